package deliver

import (
	"sync"

	"github.com/hookstream/hookstream/deliverer/health"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// statusBook is the deliverer's own view of each webhook's status. The
// subscription table learns of a status only when the record written to the
// status topic comes back (a fraction of a second later); outcomes of the
// requests in flight meanwhile must build on the newest status, or
// consecutive failures would be undercounted and a disabled webhook sent to.
type statusBook struct {
	mu   sync.Mutex
	byID map[string]schemas.SubscriptionStatus
}

func newStatusBook() *statusBook {
	return &statusBook{byID: map[string]schemas.SubscriptionStatus{}}
}

// current is the newer of the book's and the table's status: the table's
// wins when someone else wrote later (another deliverer, or the control API
// re-enabling the webhook).
func (b *statusBook) current(wh subscription.Webhook) schemas.SubscriptionStatus {
	own, ok := b.byID[wh.ID]
	if !ok || wh.Health.UpdatedAt.After(own.UpdatedAt) {
		return wh.Health
	}
	return own
}

// undeliverable returns why the webhook must not be sent to, or "".
func (b *statusBook) undeliverable(wh subscription.Webhook) string {
	if !wh.Enabled {
		return "not sent: webhook is disabled"
	}
	b.mu.Lock()
	st := b.current(wh).Status
	b.mu.Unlock()
	switch st {
	case subscription.StatusDisabled, subscription.StatusFailed:
		return "not sent: webhook is " + st
	}
	return ""
}

// apply moves the webhook's status on by one attempt and calls write with
// the new status (nil when it did not change) while holding the lock, so
// that the caller produces status records in the order they were decided.
func (b *statusBook) apply(wh subscription.Webhook, a health.Attempt, autoDisableAfter int32, write func(*schemas.SubscriptionStatus)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	next, changed := health.Next(b.current(wh), wh.ID, a, autoDisableAfter)
	if !changed {
		write(nil)
		return
	}
	b.byID[wh.ID] = next
	write(&next)
}
