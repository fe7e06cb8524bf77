package topic

import (
	"testing"
	"time"
)

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 15 * time.Minute: "15m", 4 * time.Hour: "4h", 90 * time.Second: "90s",
		250 * time.Millisecond: "250ms", 1500 * time.Microsecond: "1.5ms",
	} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSpecsCoverDesign(t *testing.T) {
	n := NewNames("x.", DefaultRetryTiers)
	byName := map[string]Spec{}
	for _, s := range n.Specs(12) {
		if _, dup := byName[s.Name]; dup {
			t.Fatalf("duplicate topic %s", s.Name)
		}
		byName[s.Name] = s
	}
	for _, name := range []string{"x.metadata-changes", "x.workflow-completions", "x.deliveries", "x.retry.1m", "x.retry.12h"} {
		if byName[name].Partitions != 12 {
			t.Errorf("%s: partitions %d, want 12", name, byName[name].Partitions)
		}
	}
	for _, name := range []string{"x.subscriptions", "x.subscription-status", "x._schemas"} {
		if byName[name].Configs["cleanup.policy"] != "compact" {
			t.Errorf("%s is not compacted", name)
		}
	}
	if got := byName["x.attempts"].Configs["retention.ms"]; got != "604800000" {
		t.Errorf("attempts retention %s, want 7 days", got)
	}
	if got := byName["x.dead-letters"].Configs["retention.ms"]; got != "2592000000" {
		t.Errorf("dead letters retention %s, want 30 days", got)
	}
	if len(byName) != 15 {
		t.Errorf("%d topics, want 15", len(byName))
	}
}
