package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestEnvTwinsAndFlagsWin(t *testing.T) {
	var c Common
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs, "")
	env := map[string]string{
		"HOOKSTREAM_RETRY_TIERS":  "10ms,20ms",
		"HOOKSTREAM_TOPIC_PREFIX": "env.",
		"HOOKSTREAM_BROKERS":      "a:1,b:2",
	}
	if err := Parse(fs, []string{"--topic-prefix", "flag."}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.TopicPrefix != "flag." {
		t.Errorf("flag must win over env, got %q", c.TopicPrefix)
	}
	if len(c.RetryTiers) != 2 || c.RetryTiers[1] != 20*time.Millisecond {
		t.Errorf("retry tiers from env: %v", c.RetryTiers)
	}
	if strings.Join(c.Brokers, " ") != "a:1 b:2" {
		t.Errorf("brokers from env: %v", c.Brokers)
	}
	if c.Names().Tiers[0].Topic != "flag.retry.10ms" {
		t.Errorf("tier topic %s", c.Names().Tiers[0].Topic)
	}
}

func TestBadEnvNamesTheVariable(t *testing.T) {
	var c Common
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs, "")
	err := Parse(fs, nil, func(k string) string {
		if k == "HOOKSTREAM_RETRY_TIERS" {
			return "1m,soon"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "HOOKSTREAM_RETRY_TIERS") || !strings.Contains(err.Error(), "soon") {
		t.Fatalf("got %v", err)
	}
}

func TestValidateNamesFlag(t *testing.T) {
	c := Common{Brokers: List{"x:1"}, Registry: "ftp://x", Partitions: 1, LogLevel: "info"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--registry") {
		t.Fatalf("got %v", err)
	}
	c.Registry = "http://x"
	c.LogLevel = "loud"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--log-level") {
		t.Fatalf("got %v", err)
	}
}

// FuzzDurations drives the --retry-tiers parser: it accepts a list or says
// why, never panics, keeps only positive durations, and what it prints
// parses back to the same list.
func FuzzDurations(f *testing.F) {
	f.Add("1m,5m,15m,1h,4h,12h")
	f.Add("100ms, ,2s")
	f.Add("0s")
	f.Add("-1m")
	f.Add("1x")
	f.Add(",,,")
	f.Fuzz(func(t *testing.T, s string) {
		var d Durations
		if err := d.Set(s); err != nil {
			return
		}
		if len(d) == 0 {
			t.Fatal("accepted an empty list")
		}
		for _, v := range d {
			if v <= 0 {
				t.Fatalf("kept %v", v)
			}
		}
		var again Durations
		if err := again.Set(d.String()); err != nil {
			t.Fatalf("printed %q does not parse: %v", d.String(), err)
		}
		if again.String() != d.String() {
			t.Fatalf("round trip %q -> %q", d.String(), again.String())
		}
	})
}
