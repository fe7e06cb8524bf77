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
	changed chan struct{}
}

// NewTable returns an empty table.
func NewTable() *Table {
	return &Table{subs: map[string]schemas.Subscription{}, health: map[string]schemas.SubscriptionStatus{}, changed: make(chan struct{})}
}

// PutSubscription adds or replaces a subscription.
func (t *Table) PutSubscription(s schemas.Subscription) {
	t.mu.Lock()
	t.subs[s.ID] = s
	t.bumpLocked()
	t.mu.Unlock()
}

// DeleteSubscription removes a subscription (a tombstone).
func (t *Table) DeleteSubscription(id string) {
	t.mu.Lock()
	delete(t.subs, id)
	t.bumpLocked()
	t.mu.Unlock()
}

// PutStatus records a webhook's delivery status.
func (t *Table) PutStatus(s schemas.SubscriptionStatus) {
	t.mu.Lock()
	t.health[s.WebhookID] = s
	t.bumpLocked()
	t.mu.Unlock()
}

// DeleteStatus forgets a webhook's delivery status.
func (t *Table) DeleteStatus(id string) {
	t.mu.Lock()
	delete(t.health, id)
	t.bumpLocked()
	t.mu.Unlock()
}

func (t *Table) bumpLocked() {
	t.version++
	close(t.changed)
	t.changed = make(chan struct{})
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

// Changed returns a channel closed at the next change.
func (t *Table) Changed() <-chan struct{} {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.changed
}
