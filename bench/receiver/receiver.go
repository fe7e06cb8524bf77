// Package receiver is the benchmark's webhook endpoint: it answers every
// delivery by its path's behaviour and counts, per behaviour, the first
// receipt of each (event, webhook) pair, the duplicates and the
// produce-to-receipt latency, and checks that each key's events arrive in
// the order they were produced.
package receiver

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Behaviours, the first path segment of a webhook URL.
const (
	// OK answers 204 to everything.
	OK = "ok"
	// Flaky answers 500 to a share of the requests (Config.ErrorRate).
	Flaky = "flaky"
	// Slow answers 204 after Config.SlowAnswer.
	Slow = "slow"
	// Dead never answers: it holds the request until the client gives up.
	Dead = "dead"
)

// Event is what the receiver needs to know of a produced event.
type Event struct {
	ProducedAt time.Time
	// Key is the event's Kafka key and Seq its place among the key's
	// events in the source log, from 1.
	Key string
	Seq int
}

// Config shapes the answers.
type Config struct {
	// ErrorRate is the share of requests to Flaky paths answered 500.
	ErrorRate float64
	// MaxFailures caps the 500s one message (its webhook-id header) gets;
	// 0 is no cap. Below the stack's retry tiers it keeps a storm about
	// retries under load: a dead letter then means a fault, not the
	// arithmetic of ErrorRate^tries.
	MaxFailures int
	// SlowAnswer is how long Slow paths take to answer.
	SlowAnswer time.Duration
	// Lookup tells what was produced as an event; false for an event the
	// run did not produce (it is counted as unexpected).
	Lookup func(eventID string) (Event, bool)
}

type pair struct{ event, webhook string }

// tally is what arrived at the paths of one behaviour.
type tally struct {
	delivered, duplicates int
	latencies             []time.Duration
	last                  time.Time
}

// Receiver is an http.Handler that counts deliveries.
type Receiver struct {
	cfg Config

	mu       sync.Mutex
	seen     map[pair]int
	failures map[string]int
	tallies  map[string]*tally
	order    *order

	requests   atomic.Int64
	failed     atomic.Int64
	unexpected atomic.Int64
	// hung is closed by Close to free every Dead and Slow request.
	hung     chan struct{}
	hungOnce sync.Once
}

// New returns an empty receiver.
func New(cfg Config) *Receiver {
	return &Receiver{cfg: cfg, seen: map[pair]int{}, failures: map[string]int{}, tallies: map[string]*tally{},
		order: newOrder(), hung: make(chan struct{})}
}

// body is the part of a generic payload the receiver reads.
type body struct {
	EventID   string `json:"eventId"`
	WebhookID string `json:"webhookId"`
}

// ServeHTTP answers by path: /ok/…, /flaky/…, /slow/…, /dead/….
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	r.requests.Add(1)
	behaviour, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	if behaviour == Dead {
		r.hold(req, 0)
		return
	}
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil || b.EventID == "" || b.WebhookID == "" {
		r.unexpected.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	ev, ok := r.cfg.Lookup(b.EventID)
	if !ok {
		r.unexpected.Add(1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	defer r.arrive(b.WebhookID, ev)()
	switch behaviour {
	case Flaky:
		if r.fail(req.Header.Get("webhook-id")) {
			r.failed.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	case Slow:
		if !r.hold(req, r.cfg.SlowAnswer) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		at = time.Now() // delivered once answered
	}
	r.record(behaviour, pair{b.EventID, b.WebhookID}, at, at.Sub(ev.ProducedAt))
	w.WriteHeader(http.StatusNoContent)
}

// hold waits for d (for ever when 0) and reports whether it did, rather
// than the client giving up or Close freeing the request first.
func (r *Receiver) hold(req *http.Request, d time.Duration) bool {
	var elapsed <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		elapsed = t.C
	}
	select {
	case <-elapsed:
		return true
	case <-req.Context().Done():
	case <-r.hung:
	}
	return false
}

func (r *Receiver) arrive(webhook string, ev Event) (leave func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	done := r.order.arrive(webhook, ev.Key, ev.Seq)
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		done()
	}
}

// fail decides whether a Flaky request gets a 500.
func (r *Receiver) fail(message string) bool {
	if rand.Float64() >= r.cfg.ErrorRate {
		return false
	}
	if r.cfg.MaxFailures == 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures[message] >= r.cfg.MaxFailures {
		return false
	}
	r.failures[message]++
	return true
}

func (r *Receiver) record(behaviour string, p pair, at time.Time, latency time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tallies[behaviour]
	if t == nil {
		t = &tally{}
		r.tallies[behaviour] = t
	}
	r.seen[p]++
	if r.seen[p] > 1 {
		t.duplicates++
		return
	}
	t.delivered++
	t.latencies = append(t.latencies, latency)
	if at.After(t.last) {
		t.last = at
	}
}

// Reset forgets every count (after a warm-up).
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = map[pair]int{}
	r.failures = map[string]int{}
	r.tallies = map[string]*tally{}
	r.order.reset()
	r.requests.Store(0)
	r.failed.Store(0)
	r.unexpected.Store(0)
}

// Close frees the requests held by Dead and Slow paths.
func (r *Receiver) Close() { r.hungOnce.Do(func() { close(r.hung) }) }

// Counts is a snapshot of what arrived.
type Counts struct {
	// Delivered is the number of distinct (event, webhook) pairs answered 2xx.
	Delivered int
	// Duplicates are the 2xx receipts beyond the first of a pair.
	Duplicates int
	// Requests is every request; Failed the ones answered 500 on purpose.
	Requests, Failed int64
	// Unexpected are bodies that named no event of this run.
	Unexpected int64
	// Last is the time of the last first-receipt.
	Last time.Time
	// OrderViolations are events that arrived after a later event of
	// their key at the same webhook; Overlaps requests that arrived while
	// another of their key was being answered there. Samples describe the
	// first few of either.
	OrderViolations, Overlaps int
	Samples                   []string
}

// Counts reads the counters of every behaviour together.
func (r *Receiver) Counts() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.countsLocked()
	for _, t := range r.tallies {
		c.Delivered += t.delivered
		c.Duplicates += t.duplicates
		if t.last.After(c.Last) {
			c.Last = t.last
		}
	}
	return c
}

// CountsOf reads the counters with the deliveries of one behaviour's paths
// only; requests and order are counted over every path.
func (r *Receiver) CountsOf(behaviour string) Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.countsLocked()
	if t := r.tallies[behaviour]; t != nil {
		c.Delivered, c.Duplicates, c.Last = t.delivered, t.duplicates, t.last
	}
	return c
}

func (r *Receiver) countsLocked() Counts {
	return Counts{Requests: r.requests.Load(), Failed: r.failed.Load(), Unexpected: r.unexpected.Load(),
		OrderViolations: r.order.violations, Overlaps: r.order.overlaps, Samples: append([]string(nil), r.order.samples...)}
}

// Delivered reports whether the pair arrived at least once.
func (r *Receiver) Delivered(eventID, webhookID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[pair{eventID, webhookID}] > 0
}

// Latencies returns a copy of the produce-to-first-receipt latencies of one
// behaviour's paths.
func (r *Receiver) Latencies(behaviour string) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.tallies[behaviour]; t != nil {
		return append([]time.Duration(nil), t.latencies...)
	}
	return nil
}
