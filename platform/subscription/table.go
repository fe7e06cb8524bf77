// Package subscription is the live table of webhooks every component reads:
// materialized from the compacted subscriptions topic (a tombstone deletes)
// and the compacted subscription-status topic the deliverer writes.
package subscription

import (
	"sort"
	"sync"

	"github.com/hookstream/hookstream/schemas"
)

// Statuses of a webhook (DESIGN §5).
const (
	StatusActive            = "active"
	StatusDisabled          = "disabled"
	StatusFailed            = "failed"
	StatusAwaitingRetry     = "awaitingRetry"
	StatusRetryLimitReached = "retryLimitReached"
)

// Webhook is a subscription with its delivery status.
type Webhook struct {
	schemas.Subscription
	// Health is the deliverer's last word on the webhook; its Status is
	// empty when nothing was written yet.
	Health schemas.SubscriptionStatus
}

// State is the webhook's effective status: disabled when its owner turned it
// off, else what the deliverer last wrote, else active.
func (w Webhook) State() string {
	switch {
	case !w.Enabled:
		return StatusDisabled
	case w.Health.Status != "":
		return w.Health.Status
	default:
		return StatusActive
	}
}

// Deliverable reports whether events may be routed and sent to the webhook:
// disabled and failed webhooks get nothing.
func (w Webhook) Deliverable() bool {
	s := w.State()
	return s != StatusDisabled && s != StatusFailed
}

// Table is safe for concurrent use.
type Table struct {
	mu      sync.RWMutex
	subs    map[string]schemas.Subscription
	health  map[string]schemas.SubscriptionStatus
	version uint64
}

// NewTable returns an empty table.
func NewTable() *Table {
	return &Table{subs: map[string]schemas.Subscription{}, health: map[string]schemas.SubscriptionStatus{}}
}

// PutSubscription adds or replaces a subscription.
func (t *Table) PutSubscription(s schemas.Subscription) { t.update(func() { t.subs[s.ID] = s }) }

// DeleteSubscription removes a subscription (a tombstone).
func (t *Table) DeleteSubscription(id string) { t.update(func() { delete(t.subs, id) }) }

// PutStatus records a webhook's delivery status.
func (t *Table) PutStatus(s schemas.SubscriptionStatus) {
	t.update(func() { t.health[s.WebhookID] = s })
}

// DeleteStatus forgets a webhook's delivery status.
func (t *Table) DeleteStatus(id string) { t.update(func() { delete(t.health, id) }) }

// update applies one change under the lock and moves the version on.
func (t *Table) update(change func()) {
	t.mu.Lock()
	change()
	t.version++
	t.mu.Unlock()
}

// Get returns the webhook with id.
func (t *Table) Get(id string) (Webhook, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s, ok := t.subs[id]
	if !ok {
		return Webhook{}, false
	}
	return Webhook{Subscription: s, Health: t.health[id]}, true
}

// All returns every webhook, sorted by id, and the table version they are of.
func (t *Table) All() ([]Webhook, uint64) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]Webhook, 0, len(t.subs))
	for id, s := range t.subs {
		out = append(out, Webhook{Subscription: s, Health: t.health[id]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, t.version
}

// Version increases with every change; a reader that built an index at one
// version rebuilds it when the version moves on.
func (t *Table) Version() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.version
}
