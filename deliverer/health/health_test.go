package health

import (
	"testing"
	"time"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func fail(code int, dead bool) Attempt {
	return Attempt{Result: outcome.Result{Kind: outcome.Retry, Reason: "503 Service Unavailable"}, StatusCode: code, DeadLettered: dead, NextAttemptAt: t0.Add(time.Minute), At: t0}
}

func TestTransitions(t *testing.T) {
	ok := Attempt{Result: outcome.Result{Kind: outcome.Success}, StatusCode: 200, At: t0}
	gone := Attempt{Result: outcome.Result{Kind: outcome.Disable, Reason: "410 Gone"}, StatusCode: 410, At: t0}
	for _, tc := range []struct {
		name      string
		prev      schemas.SubscriptionStatus
		a         Attempt
		status    string
		failures  int32
		write     bool
		nextAtSet bool
	}{
		{"success on a new webhook writes nothing", schemas.SubscriptionStatus{}, ok, "", 0, false, false},
		{"first failure waits for a retry", schemas.SubscriptionStatus{}, fail(503, false), subscription.StatusAwaitingRetry, 1, true, true},
		{"success resets the count", schemas.SubscriptionStatus{Status: subscription.StatusAwaitingRetry, ConsecutiveFailures: 5}, ok, subscription.StatusActive, 0, true, false},
		{"dead letter", schemas.SubscriptionStatus{Status: subscription.StatusAwaitingRetry, ConsecutiveFailures: 6}, fail(500, true), subscription.StatusRetryLimitReached, 7, true, false},
		{"23rd failure fails the webhook", schemas.SubscriptionStatus{Status: subscription.StatusAwaitingRetry, ConsecutiveFailures: 22}, fail(500, false), subscription.StatusFailed, 23, true, false},
		{"410 disables at once", schemas.SubscriptionStatus{}, gone, subscription.StatusDisabled, 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, write := Next(tc.prev, "w", tc.a, schemas.DefaultAutoDisableAfter)
			if write != tc.write || got.Status != tc.status || got.ConsecutiveFailures != tc.failures || (got.NextAttemptAt != nil) != tc.nextAtSet {
				t.Fatalf("got %+v write=%v", got, write)
			}
			if write && got.WebhookID != "w" {
				t.Fatalf("webhook id %q", got.WebhookID)
			}
			if tc.a.Result.Kind != outcome.Success && (got.LastFailureAt == nil || got.LastStatusCode != int32(tc.a.StatusCode) || got.LastFailureReason == "") {
				t.Fatalf("failure details missing: %+v", got)
			}
		})
	}
}

func TestAutoDisableAfterIsPerWebhook(t *testing.T) {
	s := schemas.SubscriptionStatus{}
	for i := 0; i < 3; i++ {
		s, _ = Next(s, "w", fail(500, false), 3)
	}
	if s.Status != subscription.StatusFailed {
		t.Fatalf("after 3 failures with autoDisableAfter 3: %+v", s)
	}
}

func TestAutoDisableAfterZeroIsNever(t *testing.T) {
	s := schemas.SubscriptionStatus{}
	for range 30 {
		s, _ = Next(s, "w", fail(500, false), 0)
	}
	if s.Status != subscription.StatusAwaitingRetry || s.ConsecutiveFailures != 30 {
		t.Fatalf("after 30 failures with autoDisableAfter 0 (never): %+v, want awaitingRetry with 30 failures", s)
	}
}
