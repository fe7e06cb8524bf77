// Package health turns delivery outcomes into a webhook's status, the record
// the deliverer writes to the compacted subscription-status topic: active
// after a success, awaitingRetry while a task waits in a tier,
// retryLimitReached once one is dead-lettered, failed after autoDisableAfter
// consecutive failed attempts (Atomic's rule, 23 by default, 0 for never) and disabled at
// once on 410 Gone. Failed and disabled webhooks are not sent to, so those two
// states only end when someone re-enables the webhook.
package health

import (
	"time"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// Attempt is what one finished attempt tells about the endpoint.
type Attempt struct {
	Result     outcome.Result
	StatusCode int
	// DeadLettered: the attempt was the task's last; it went to dead letters.
	DeadLettered bool
	// NextAttemptAt is when the task's next tier is due (retries only).
	NextAttemptAt time.Time
	At            time.Time
}

// Next returns the status after a, and whether it differs from prev enough to
// be written (a success on a healthy webhook writes nothing). An
// autoDisableAfter of 0 never sets failed: only an explicit "never" stores
// it, as subscriptions written before the field read it as its Avro default.
func Next(prev schemas.SubscriptionStatus, webhookID string, a Attempt, autoDisableAfter int32) (schemas.SubscriptionStatus, bool) {
	next := prev
	next.WebhookID = webhookID
	next.UpdatedAt = a.At
	switch a.Result.Kind {
	case outcome.Success:
		if (prev.Status == subscription.StatusActive || prev.Status == "") && prev.ConsecutiveFailures == 0 {
			return prev, false
		}
		at := a.At
		next.Status, next.ConsecutiveFailures, next.LastSuccessAt, next.NextAttemptAt = subscription.StatusActive, 0, &at, nil
		return next, true
	case outcome.Disable:
		next.Status = subscription.StatusDisabled
		next.NextAttemptAt = nil
	default:
		next.ConsecutiveFailures++
		switch {
		case autoDisableAfter > 0 && next.ConsecutiveFailures >= autoDisableAfter:
			next.Status, next.NextAttemptAt = subscription.StatusFailed, nil
		case a.DeadLettered:
			next.Status, next.NextAttemptAt = subscription.StatusRetryLimitReached, nil
		default:
			due := a.NextAttemptAt
			next.Status, next.NextAttemptAt = subscription.StatusAwaitingRetry, &due
		}
	}
	at := a.At
	next.LastFailureAt, next.LastStatusCode, next.LastFailureReason = &at, int32(a.StatusCode), a.Result.Reason
	return next, true
}
