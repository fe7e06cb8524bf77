package producer

import (
	"context"
	"testing"
	"time"
)

// fakeClock drives a Pacer without real time: sleeping advances the clock.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) pacer(rate float64) *Pacer {
	p := NewPacer(rate)
	p.now = func() time.Time { return f.now }
	p.sleep = func(_ context.Context, d time.Duration) error {
		f.sleeps = append(f.sleeps, d)
		f.now = f.now.Add(d)
		return nil
	}
	return p
}

func TestPacerKeepsAnAbsoluteSchedule(t *testing.T) {
	f := &fakeClock{now: testNow}
	p := f.pacer(100) // one event per 10ms
	ctx := context.Background()
	for range 3 {
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// First event at once, then 10ms apart.
	if want := []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}; !equalDurations(f.sleeps, want) {
		t.Fatalf("sleeps %v, want %v", f.sleeps, want)
	}
	// Producing took 25ms: the next event is late and goes at once, the one
	// after catches up to the schedule (due at 40ms) instead of drifting.
	f.now = f.now.Add(25 * time.Millisecond)
	f.sleeps = nil
	_ = p.Wait(ctx) // due at 30ms, now 45ms
	_ = p.Wait(ctx) // due at 40ms, now 45ms
	_ = p.Wait(ctx) // due at 50ms
	if want := []time.Duration{5 * time.Millisecond}; !equalDurations(f.sleeps, want) {
		t.Fatalf("sleeps %v, want %v", f.sleeps, want)
	}
}

func TestPacerUnlimitedAndCancelled(t *testing.T) {
	f := &fakeClock{now: testNow}
	p := f.pacer(0)
	for range 1000 {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.sleeps) != 0 {
		t.Fatalf("rate 0 slept %v", f.sleeps)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewPacer(1).Wait(ctx); err == nil {
		t.Fatal("Wait on a cancelled context returned nil")
	}
	// The real sleep gives up when the context ends.
	if err := sleepCtx(ctx, time.Hour); err == nil {
		t.Fatal("sleepCtx ignored the cancelled context")
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
