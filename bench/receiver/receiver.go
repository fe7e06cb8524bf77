// Package receiver is the benchmark's webhook endpoint: it answers every
// delivery by its path's behaviour and counts the first receipt of each
// (event, webhook) pair, the duplicates and the produce-to-receipt latency.
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
	// Dead never answers: it holds the request until the client gives up.
	Dead = "dead"
)

// Config shapes the answers.
type Config struct {
	// ErrorRate is the share of requests to Flaky paths answered 500.
	ErrorRate float64
	// MaxFailures caps the 500s one message (its webhook-id header) gets;
	// 0 is no cap. Below the stack's retry tiers it keeps a storm about
	// retries under load: a dead letter then means a fault, not the
	// arithmetic of ErrorRate^tries.
	MaxFailures int
	// ProducedAt tells when an event was produced; false for an event the
	// run did not produce (it is counted as unexpected).
	ProducedAt func(eventID string) (time.Time, bool)
}

type pair struct{ event, webhook string }

// Receiver is an http.Handler that counts deliveries.
type Receiver struct {
	cfg Config

	mu        sync.Mutex
	seen      map[pair]int
	failures  map[string]int
	latencies []time.Duration
	last      time.Time

	requests   atomic.Int64
	failed     atomic.Int64
	unexpected atomic.Int64
	// hung is closed by Close to free every Dead request.
	hung     chan struct{}
	hungOnce sync.Once
}

// New returns an empty receiver.
func New(cfg Config) *Receiver {
	return &Receiver{cfg: cfg, seen: map[pair]int{}, failures: map[string]int{}, hung: make(chan struct{})}
}

// body is the part of a generic payload the receiver reads.
type body struct {
	EventID   string `json:"eventId"`
	WebhookID string `json:"webhookId"`
}

// ServeHTTP answers by path: /ok/…, /flaky/…, /dead/….
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	r.requests.Add(1)
	behaviour, _, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	switch behaviour {
	case Dead:
		select {
		case <-req.Context().Done():
		case <-r.hung:
		}
		return
	case Flaky:
		if r.fail(req.Header.Get("webhook-id")) {
			_, _ = io.Copy(io.Discard, req.Body)
			r.failed.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
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
	produced, ok := r.cfg.ProducedAt(b.EventID)
	if !ok {
		r.unexpected.Add(1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	r.record(pair{b.EventID, b.WebhookID}, at, at.Sub(produced))
	w.WriteHeader(http.StatusNoContent)
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

func (r *Receiver) record(p pair, at time.Time, latency time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[p]++
	if r.seen[p] > 1 {
		return
	}
	r.latencies = append(r.latencies, latency)
	if at.After(r.last) {
		r.last = at
	}
}

// Reset forgets every count (after a warm-up).
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = map[pair]int{}
	r.failures = map[string]int{}
	r.latencies = nil
	r.last = time.Time{}
	r.requests.Store(0)
	r.failed.Store(0)
	r.unexpected.Store(0)
}

// Close frees the requests held by Dead paths.
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
}

// Counts reads the counters.
func (r *Receiver) Counts() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := Counts{Delivered: len(r.seen), Last: r.last,
		Requests: r.requests.Load(), Failed: r.failed.Load(), Unexpected: r.unexpected.Load()}
	for _, n := range r.seen {
		c.Duplicates += n - 1
	}
	return c
}

// Delivered reports whether the pair arrived at least once.
func (r *Receiver) Delivered(eventID, webhookID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[pair{eventID, webhookID}] > 0
}

// Latencies returns a copy of the produce-to-first-receipt latencies.
func (r *Receiver) Latencies() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.latencies...)
}
