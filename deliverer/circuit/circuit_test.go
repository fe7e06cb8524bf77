package circuit

import (
	"testing"
	"time"
)

func TestBreakerOpensAfterThresholdAndProbes(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	b := New(3, 10*time.Second)
	for i := range 2 {
		if !b.Allow(t0) {
			t.Fatalf("closed breaker refused request %d", i)
		}
		if _, after := b.Record(t0, false); after != Closed {
			t.Fatalf("opened after %d failures, threshold 3", i+1)
		}
	}
	if before, after := b.Record(t0, false); before != Closed || after != Open {
		t.Fatalf("third failure: %v -> %v, want closed -> open", before, after)
	}
	if b.Allow(t0.Add(9 * time.Second)) {
		t.Fatal("open breaker let a request through inside the cooldown")
	}
	probe := t0.Add(10 * time.Second)
	if b.State(probe) != HalfOpen || !b.Allow(probe) {
		t.Fatal("no probe after the cooldown")
	}
	if b.Allow(probe.Add(time.Second)) {
		t.Fatal("a second probe went out while the first is pending")
	}
	// The probe fails: open again for a full cooldown.
	if _, after := b.Record(probe.Add(time.Second), false); after != Open {
		t.Fatalf("failed probe left the breaker %v", after)
	}
	if b.Allow(probe.Add(5 * time.Second)) {
		t.Fatal("reopened breaker let a request through")
	}
	second := probe.Add(11 * time.Second)
	if !b.Allow(second) {
		t.Fatal("no second probe")
	}
	if before, after := b.Record(second, true); before != HalfOpen || after != Closed {
		t.Fatalf("answered probe: %v -> %v, want half-open -> closed", before, after)
	}
	// Closed again: the failure count starts over.
	b.Record(second, false)
	b.Record(second, false)
	if b.State(second) != Closed {
		t.Fatal("failure count was not reset by the answer")
	}
}

func TestAnAnswerResetsTheCount(t *testing.T) {
	t0 := time.Now()
	b := New(2, time.Second)
	b.Record(t0, false)
	b.Record(t0, true)
	b.Record(t0, false)
	if b.State(t0) != Closed {
		t.Fatal("failures that were not consecutive opened the breaker")
	}
}

func TestLostProbeIsGivenUp(t *testing.T) {
	t0 := time.Now()
	b := New(1, time.Second)
	b.Record(t0, false)
	if !b.Allow(t0.Add(time.Second)) {
		t.Fatal("no probe")
	}
	// The probe never reports (its attempt was cut off).
	if b.Allow(t0.Add(1500 * time.Millisecond)) {
		t.Fatal("second probe while the first may still answer")
	}
	if !b.Allow(t0.Add(2 * time.Second)) {
		t.Fatal("a lost probe blocked the breaker for good")
	}
}
