package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/bench/ceiling"
	"github.com/hookstream/hookstream/bench/stack"
	"github.com/hookstream/hookstream/platform/config"
)

func TestParseTakesEachScenariosDefaultsAndNamesWhatItChanges(t *testing.T) {
	const product = "1m,5m,15m,1h,4h,12h"
	var st config.Durations
	if err := st.Set(stack.ShortTiers); err != nil {
		t.Fatal(err)
	}
	short := tiersText(st)
	for _, c := range []struct {
		args              string
		webhooks, events  int
		ordering, tiers   string
		quiet             time.Duration
		changed           string // a substring of the changed defaults; "" none
		entities, updates int
	}{
		{args: "", webhooks: 10, events: 10000, tiers: short, quiet: time.Minute, changed: "instead of " + product + ": short"},
		{args: "--scenario burst", webhooks: 10, events: 10000, tiers: product, quiet: 90 * time.Second},
		{args: "--scenario burst --retry-tiers 1m,5m,15m,1h,4h,12h", webhooks: 10, events: 10000, tiers: product, quiet: 90 * time.Second},
		{args: "--scenario burst --retry-tiers 2m", webhooks: 10, events: 10000, tiers: "2m", quiet: 150 * time.Second, changed: "retry tiers 2m instead of " + product + " (--retry-tiers)"},
		{args: "--scenario ordered", webhooks: 10, events: 30000, entities: 10000, updates: 3, tiers: product, quiet: 90 * time.Second},
		{args: "--scenario ordered --entities 100 --updates 2 --quiet 5s", webhooks: 10, events: 200, entities: 100, updates: 2, tiers: product, quiet: 5 * time.Second},
		{args: "--scenario hot", webhooks: 1, events: 10000, entities: 1, updates: 10000, ordering: "entity", tiers: product, quiet: 90 * time.Second},
		{args: "--scenario isolation --partitions 6", webhooks: 10, events: 10000, tiers: product, quiet: 90 * time.Second, changed: "--partitions set on the command line"},
		{args: "--scenario storm --ordering none", webhooks: 10, events: 10000, ordering: "none", tiers: short, quiet: time.Minute, changed: "storm's retries"},
	} {
		f, err := parse(strings.Fields(c.args), io.Discard)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if f.webhooks != c.webhooks || f.events != c.events || f.entities != c.entities || f.updates != c.updates || f.ordering != c.ordering {
			t.Errorf("%q: webhooks %d, events %d, entities %d × updates %d, ordering %q; want %d, %d, %d × %d, %q",
				c.args, f.webhooks, f.events, f.entities, f.updates, f.ordering, c.webhooks, c.events, c.entities, c.updates, c.ordering)
		}
		if tiersText(f.tiers) != c.tiers || f.quiet != c.quiet {
			t.Errorf("%q: tiers %s, quiet %s; want %s, %s", c.args, tiersText(f.tiers), f.quiet, c.tiers, c.quiet)
		}
		changed := strings.Join(f.changed, "; ")
		if (c.changed == "") != (changed == "") || !strings.Contains(changed, c.changed) {
			t.Errorf("%q: changed defaults %q, want %q", c.args, changed, c.changed)
		}
	}
}

func TestParseRefusesWhatAScenarioDecidesItself(t *testing.T) {
	for _, args := range []string{
		"--scenario ordered --events 10",
		"--scenario ordered --ordering entity",
		"--scenario steady --entities 10",
		"--scenario hot --ordering sideways",
		"--scenario nosuch",
		"--scenario isolation --slow-events 0",
		"--scenario ceiling --ceiling-duration 0",
		"--scenario steady --ceiling-concurrency 0",
	} {
		if _, err := parse(strings.Fields(args), io.Discard); err == nil {
			t.Errorf("%q was accepted", args)
		}
	}
}

func TestTheThroughputScenariosMeasureTheCeilingUnlessPaced(t *testing.T) {
	for _, c := range []struct {
		args string
		want bool
	}{
		{"", true},
		{"--scenario burst", true},
		{"--scenario fanout --events 10", true},
		{"--scenario steady --rate 1000", false},
		{"--scenario steady --ceiling-duration 0", false},
		{"--scenario storm", false},
		{"--scenario dead", false},
		{"--scenario ordered", false},
	} {
		f, err := parse(strings.Fields(c.args), io.Discard)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if f.withCeiling != c.want {
			t.Errorf("%q: measures the ceiling %v, want %v", c.args, f.withCeiling, c.want)
		}
	}
	f, err := parse(strings.Fields("--scenario ceiling --ceiling-duration 1s --ceiling-concurrency 8"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := f.ceilingConfig(); cfg.Duration != time.Second || cfg.Concurrency != 8 || cfg.BodyBytes != 1024 {
		t.Errorf("--scenario ceiling measures %+v, want 1s, 8 at a time, 1024-byte bodies", cfg)
	}
	r := &result{DeliveriesPerSecond: 18200, CeilingRequestsPerSecond: 46000}
	if r.setCeilingRatio(); r.CeilingRatio < 0.395 || r.CeilingRatio > 0.396 {
		t.Errorf("ratio %v of 18200 over 46000", r.CeilingRatio)
	}
	r = &result{DeliveriesPerSecond: 18200}
	if r.setCeilingRatio(); r.CeilingRatio != 0 {
		t.Errorf("ratio %v without a ceiling, want none", r.CeilingRatio)
	}
}

func TestHumanOutputSaysTheCeilingWasMeasuredWhileHookstreamWasIdle(t *testing.T) {
	idle := 0.02
	c := &ceilingInfo{Result: ceiling.Result{Requests: 120000, Seconds: 3, Concurrency: 64, BodyBytes: 1024, Scheme: "standard", ClientCPUSeconds: 3.6}, StackCPUSeconds: &idle}
	steady := &result{Scenario: "steady", DeliveriesPerSecond: 16000, CPUSecondsPer1k: 0.075, CeilingRatio: 0.4}
	steady.setCeiling(c)
	alone := &result{Scenario: "ceiling"}
	alone.setCeiling(&ceilingInfo{Result: c.Result})
	var b strings.Builder
	printHuman(&b, steady)
	printHuman(&b, alone)
	out := b.String()
	for _, want := range []string{"40000 requests/s, raw HTTP", "64 keep-alive connections, 1024-byte POSTs signed standard", "while hookstream was idle (its processes used 0.02 CPU s",
		"of ceiling    0.40", "used 0.030 CPU s per 1,000 requests", "0.075 s per 1,000 deliveries, 2.5 times the ceiling's bare client"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, alone, _ := strings.Cut(out, "scenario ceiling"); strings.Contains(alone, "delivered") || strings.Contains(alone, "idle") {
		t.Errorf("--scenario ceiling prints what it did not measure:\n%s", alone)
	}
}

func TestMovedAndOrderErrors(t *testing.T) {
	two := 2.0
	if (&result{}).movedErr() != nil || (&result{MovedToTier: 3}).movedErr() == nil || (&result{DeferredMetric: &two}).movedErr() == nil {
		t.Error("movedErr does not tell a run that moved tasks from one that did not")
	}
	if (&result{Ordering: "entity"}).orderErr() != nil || (&result{Ordering: "none", OrderViolations: 5}).orderErr() != nil {
		t.Error("orderErr failed a run in order, or an unordered one")
	}
	if (&result{Ordering: "entity", OrderViolations: 1}).orderErr() == nil || (&result{Ordering: "entity", KeyOverlaps: 1}).orderErr() == nil {
		t.Error("orderErr passed an ordered run with a violation or an overlap")
	}
}
