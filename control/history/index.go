// Package history is the attempt history the API serves: an in-memory index
// of hookstream.attempts, rebuilt from the topic at start and kept current.
// It is a cache; the topic is the record, so any replica answers alike.
package history

import (
	"cmp"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/schemas"
)

// Record is one attempt as the API shows it.
type Record struct {
	ID              string            `json:"id"`
	DeliveryID      string            `json:"deliveryId"`
	WebhookID       string            `json:"webhookId"`
	EventID         string            `json:"eventId"`
	EventType       string            `json:"eventType"`
	Attempt         int32             `json:"attempt"`
	Tier            string            `json:"tier"`
	Outcome         string            `json:"outcome"`
	Success         bool              `json:"success"`
	StatusCode      int32             `json:"statusCode"`
	LatencyMs       int64             `json:"latencyMs"`
	Error           string            `json:"error,omitempty"`
	RequestHeaders  map[string]string `json:"requestHeaders"`
	ResponseSnippet string            `json:"responseSnippet"`
	Event           json.RawMessage   `json:"event,omitempty"`
	NextAttemptAt   *time.Time        `json:"nextAttemptAt,omitempty"`
	Timestamp       time.Time         `json:"timestamp"`
}

// Success is the outcome of an attempt that got a 2xx.
const Success = "success"

// FromAttempt converts a stored attempt. Request headers are redacted again
// by today's rule (send.Redact): a record written by an older deliverer,
// which hid fewer headers, shows no more than a new one.
func FromAttempt(a schemas.DeliveryAttempt) Record {
	r := Record{
		ID: a.AttemptID, DeliveryID: a.DeliveryID, WebhookID: a.WebhookID, EventID: a.EventID, EventType: a.EventType,
		Attempt: a.Attempt, Tier: a.Tier, Outcome: a.Outcome, Success: a.Outcome == Success, StatusCode: a.StatusCode,
		LatencyMs: a.LatencyMs, Error: a.Error, RequestHeaders: make(map[string]string, len(a.RequestHeaders)),
		ResponseSnippet: a.ResponseSnippet, NextAttemptAt: a.NextAttemptAt, Timestamp: a.Timestamp.UTC(),
	}
	for k, v := range a.RequestHeaders {
		if send.Redact(k) {
			v = send.Redacted
		}
		r.RequestHeaders[k] = v
	}
	if json.Valid([]byte(a.Event)) {
		r.Event = json.RawMessage(a.Event)
	}
	return r
}

// Index is safe for concurrent use. It keeps at most max records, the
// oldest leaving first.
type Index struct {
	mu      sync.RWMutex
	max     int
	records []Record // in arrival order
	byID    map[string]int
	first   int // records[:first] were evicted
}

// NewIndex keeps up to max records (0: unlimited).
func NewIndex(max int) *Index {
	return &Index{max: max, byID: map[string]int{}}
}

// Add indexes one attempt; a repeated id (a re-read record) replaces.
func (x *Index) Add(r Record) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if i, ok := x.byID[r.ID]; ok {
		x.records[i] = r
		return
	}
	x.byID[r.ID] = len(x.records)
	x.records = append(x.records, r)
	if x.max > 0 && len(x.records)-x.first > x.max {
		delete(x.byID, x.records[x.first].ID)
		x.records[x.first] = Record{}
		x.first++
		if x.first > x.max { // compact once the dead prefix is as long as the live part
			x.records = append([]Record(nil), x.records[x.first:]...)
			x.first = 0
			for i, rec := range x.records {
				x.byID[rec.ID] = i
			}
		}
	}
}

// Get returns the record with id.
func (x *Index) Get(id string) (Record, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.byID[id]
	if !ok {
		return Record{}, false
	}
	return x.records[i], true
}

// Query selects records.
type Query struct {
	// Visible, when set, limits the answer to webhooks it accepts (a user
	// sees the history of their own webhooks only).
	Visible          func(webhookID string) bool
	WebhookID        string
	EventType        string
	SuccessOrFailure string // "success", "failure" or ""
	Since, Until     time.Time
	Offset, PageSize int
	SortField        string
	Descending       bool
}

// SortFields are the fields a query may sort by.
var SortFields = map[string]func(a, b *Record) int{
	"timestamp":  func(a, b *Record) int { return a.Timestamp.Compare(b.Timestamp) },
	"createdAt":  func(a, b *Record) int { return a.Timestamp.Compare(b.Timestamp) },
	"attempt":    func(a, b *Record) int { return cmp.Compare(a.Attempt, b.Attempt) },
	"statusCode": func(a, b *Record) int { return cmp.Compare(a.StatusCode, b.StatusCode) },
	"latencyMs":  func(a, b *Record) int { return cmp.Compare(a.LatencyMs, b.LatencyMs) },
	"webhookId":  func(a, b *Record) int { return cmp.Compare(a.WebhookID, b.WebhookID) },
	"eventType":  func(a, b *Record) int { return cmp.Compare(a.EventType, b.EventType) },
}

// Find returns the number of matching records and the page asked for.
func (x *Index) Find(q Query) (int, []Record) {
	x.mu.RLock()
	var hits []Record
	for _, r := range x.records[x.first:] {
		if q.matches(&r) {
			hits = append(hits, r)
		}
	}
	x.mu.RUnlock()
	less := SortFields[q.SortField]
	if less == nil {
		less = SortFields["timestamp"]
	}
	slices.SortStableFunc(hits, func(a, b Record) int {
		c := less(&a, &b)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if q.Descending {
			return -c
		}
		return c
	})
	count := len(hits)
	if q.Offset >= count {
		return count, []Record{}
	}
	hits = hits[q.Offset:]
	if q.PageSize < len(hits) {
		hits = hits[:q.PageSize]
	}
	return count, hits
}

func (q *Query) matches(r *Record) bool {
	switch {
	case r.ID == "":
		return false
	case q.Visible != nil && !q.Visible(r.WebhookID):
		return false
	case q.WebhookID != "" && r.WebhookID != q.WebhookID:
		return false
	case q.EventType != "" && r.EventType != q.EventType:
		return false
	case q.SuccessOrFailure == "success" && !r.Success, q.SuccessOrFailure == "failure" && r.Success:
		return false
	case !q.Since.IsZero() && r.Timestamp.Before(q.Since):
		return false
	case !q.Until.IsZero() && !r.Timestamp.Before(q.Until):
		return false
	}
	return true
}
