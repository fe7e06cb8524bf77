package outcome

import (
	"testing"
	"time"
)

// TestDecide pins what follows an attempt, for every kind of result, in the
// first delivery and in the tiers, with and without maxAttempts and
// Retry-After.
func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	delays := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
	ok := Result{Kind: Success}
	fail := Result{Kind: Retry, Reason: "status 500"}
	after := func(d time.Duration) Result { return Result{Kind: Retry, NotBefore: now.Add(d)} }
	again := func(tier int) Decision { return Decision{Action: Again, Tier: tier, At: now.Add(delays[tier])} }
	tests := []struct {
		name                   string
		r                      Result
		final                  bool
		delays                 []time.Duration
		tier, attempt, maxAtts int
		want                   Decision
	}{
		{"success first", ok, false, delays, NoTier, 1, 0, Decision{Action: Done}},
		{"success in the last tier", ok, false, delays, 2, 4, 0, Decision{Action: Done}},
		{"410 disables", Result{Kind: Disable}, false, delays, NoTier, 1, 0, Decision{Action: DisableWebhook}},
		{"410 even when attempts are left", Result{Kind: Disable}, false, delays, 0, 2, 10, Decision{Action: DisableWebhook}},
		{"guard refusal dead at once", Result{Kind: DeadLetter}, false, delays, NoTier, 1, 0, Decision{Action: Dead}},
		{"final failure dead at once", fail, true, delays, NoTier, 1, 0, Decision{Action: Dead}},
		{"first failure to tier 0", fail, false, delays, NoTier, 1, 0, again(0)},
		{"tier 0 failure to tier 1", fail, false, delays, 0, 2, 0, again(1)},
		{"last tier failure dead without maxAttempts", fail, false, delays, 2, 4, 0, Decision{Action: Dead}},
		{"maxAttempts reached", fail, false, delays, 0, 2, 2, Decision{Action: Dead}},
		{"maxAttempts 1: no retry", fail, false, delays, NoTier, 1, 1, Decision{Action: Dead}},
		{"maxAttempts beyond the tiers stays in the last", fail, false, delays, 2, 4, 6, again(2)},
		{"Retry-After skips tiers it does not cover", after(3 * time.Minute), false, delays, NoTier, 1, 0, again(1)},
		{"Retry-After beyond every tier: the last", after(time.Hour), false, delays, NoTier, 1, 0, again(2)},
		{"no tiers: dead", fail, false, nil, NoTier, 1, 0, Decision{Action: Dead}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Decide(tc.r, tc.final, tc.delays, tc.tier, tc.attempt, tc.maxAtts, now)
			if got.Action != tc.want.Action || got.Tier != tc.want.Tier || !got.At.Equal(tc.want.At) {
				t.Fatalf("Decide = %s tier %d at %v, want %s tier %d at %v", got.Action, got.Tier, got.At, tc.want.Action, tc.want.Tier, tc.want.At)
			}
		})
	}
}
