// Package deadletter indexes hookstream.dead-letters for listing and
// redrive. A redrive sends the task back to hookstream.deliveries with a
// fresh attempt count and writes a marker (key: the dead letter's id, no
// value, header "redriven") to the dead-letter topic, so every replica, and
// this one after a restart, knows it was redriven.
package deadletter

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hookstream/hookstream/schemas"
)

// Entry is one dead letter as the API shows it.
type Entry struct {
	ID             string     `json:"id"`
	WebhookID      string     `json:"webhookId"`
	DeliveryID     string     `json:"deliveryId"`
	EventID        string     `json:"eventId"`
	EventType      string     `json:"eventType"`
	Reason         string     `json:"reason"`
	LastStatusCode int32      `json:"lastStatusCode"`
	Attempts       int32      `json:"attempts"`
	DeadLetteredAt time.Time  `json:"deadLetteredAt"`
	RedrivenAt     *time.Time `json:"redrivenAt,omitempty"`

	Task schemas.DeliveryTask `json:"-"`
}

// ID names the dead letter at partition/offset of the topic.
func ID(partition int32, offset int64) string { return fmt.Sprintf("dl-%d-%d", partition, offset) }

// FromRecord converts a stored dead letter.
func FromRecord(id string, d schemas.DeadLetter) Entry {
	return Entry{
		ID: id, WebhookID: d.Task.WebhookID, DeliveryID: d.Task.DeliveryID, EventID: d.Task.EventID,
		EventType: d.Task.EventType, Reason: d.Reason, LastStatusCode: d.LastStatusCode, Attempts: d.Attempts,
		DeadLetteredAt: d.DeadLetteredAt.UTC(), Task: d.Task,
	}
}

// Index is safe for concurrent use.
type Index struct {
	mu       sync.RWMutex
	entries  []Entry
	byID     map[string]int
	redriven map[string]time.Time // markers seen before their entry
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: map[string]int{}, redriven: map[string]time.Time{}}
}

// Add indexes a dead letter.
func (x *Index) Add(e Entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if at, ok := x.redriven[e.ID]; ok {
		e.RedrivenAt = &at
	}
	if i, ok := x.byID[e.ID]; ok {
		x.entries[i] = e
		return
	}
	x.byID[e.ID] = len(x.entries)
	x.entries = append(x.entries, e)
}

// MarkRedriven records that the dead letter id was sent back at.
func (x *Index) MarkRedriven(id string, at time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.redriven[id] = at
	if i, ok := x.byID[id]; ok {
		x.entries[i].RedrivenAt = &at
	}
}

// Query selects dead letters.
type Query struct {
	Visible   func(webhookID string) bool
	WebhookID string
	// IDs, when not empty, selects those dead letters only.
	IDs []string
	// IncludeRedriven lists dead letters already sent back too.
	IncludeRedriven  bool
	Offset, PageSize int
	// Oldest lists the oldest first; the default is newest first.
	Oldest bool
}

// Find returns the number of matches and one page; PageSize 0
// returns every match.
func (x *Index) Find(q Query) (int, []Entry) {
	x.mu.RLock()
	var hits []Entry
	for _, e := range x.entries {
		if q.matches(&e) {
			hits = append(hits, e)
		}
	}
	x.mu.RUnlock()
	slices.SortStableFunc(hits, func(a, b Entry) int {
		c := b.DeadLetteredAt.Compare(a.DeadLetteredAt)
		if c == 0 {
			c = cmp.Compare(b.ID, a.ID)
		}
		if q.Oldest {
			return -c
		}
		return c
	})
	count := len(hits)
	if q.Offset >= count {
		return count, []Entry{}
	}
	hits = hits[q.Offset:]
	if q.PageSize > 0 && q.PageSize < len(hits) {
		hits = hits[:q.PageSize]
	}
	return count, hits
}

func (q *Query) matches(e *Entry) bool {
	switch {
	case q.Visible != nil && !q.Visible(e.WebhookID):
		return false
	case q.WebhookID != "" && e.WebhookID != q.WebhookID:
		return false
	case len(q.IDs) > 0 && !slices.Contains(q.IDs, e.ID):
		return false
	case !q.IncludeRedriven && e.RedrivenAt != nil:
		return false
	}
	return true
}

// Redriven returns the task of e as a new delivery: same delivery id (the
// endpoint's idempotency key), attempt 1, due now.
func Redriven(e Entry, now time.Time) schemas.DeliveryTask {
	t := e.Task
	t.Attempt, t.NotBefore, t.LastError, t.RoutedAt = 1, now, "", now
	return t
}
