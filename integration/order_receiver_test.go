package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// orderReceiver is one endpoint for several webhooks that writes down, for
// every request in the order it arrives (answered 2xx or not), which event
// it carried, so a test can check the order a receiver saw with failed
// requests and repeats included, and whether requests overlapped.
type orderReceiver struct {
	srv *httptest.Server
	// latency is how long each request takes to answer: a receiver that
	// answers at once leaves no window in which two requests overlap, so
	// an overlap would go unseen.
	latency time.Duration
	// fail decides, from a request's webhook-id and how many requests of
	// that id came before it plus one, whether it is answered 500.
	fail func(deliveryID string, n int) bool

	mu        sync.Mutex
	requests  int
	injected  int
	tries     map[string]int    // requests per webhook-id
	seqs      map[hookKey][]int // seq of every request of (webhook, key), in arrival order
	indexes   map[string][]int  // production index of every request of a webhook, in arrival order
	inFlight  map[string]int    // requests of a webhook being answered now
	keyFlight map[hookKey]int   // requests of (webhook, key) being answered now
	maxHook   map[string]int    // most requests of a webhook in flight at once
	maxKey    map[string]int    // most requests of one key of a webhook in flight at once
	ok        map[hookEvent]int // 2xx answers per (webhook, event)
	malformed []string          // requests the receiver could not place
}

type hookKey struct{ webhook, key string }

type hookEvent struct{ webhook, event string }

// orderedEvent is what the receiver reads of a generic-format body: the
// webhook, the entity (the event's Kafka key) and where the test put the
// event's sequence number and production index.
type orderedEvent struct {
	WebhookID string `json:"webhookId"`
	EventID   string `json:"eventId"`
	Entity    struct {
		ID             string            `json:"id"`
		CustomMetadata map[string]string `json:"customMetadata"`
	} `json:"entity"`
}

func newOrderReceiver(t testing.TB, latency time.Duration, fail func(deliveryID string, n int) bool) *orderReceiver {
	r := &orderReceiver{
		latency: latency, fail: fail,
		tries: map[string]int{}, seqs: map[hookKey][]int{}, indexes: map[string][]int{},
		inFlight: map[string]int{}, keyFlight: map[hookKey]int{}, maxHook: map[string]int{}, maxKey: map[string]int{},
		ok: map[hookEvent]int{},
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *orderReceiver) serve(w http.ResponseWriter, req *http.Request) {
	id := req.Header.Get("webhook-id")
	ev, seq, index, err := readOrderedEvent(req.Body)
	r.mu.Lock()
	r.requests++
	if err != nil {
		r.malformed = append(r.malformed, fmt.Sprintf("%s: %v", id, err))
		r.mu.Unlock()
		// 200, so a request the test cannot read is not retried forever;
		// the test fails on malformed instead.
		w.WriteHeader(http.StatusOK)
		return
	}
	r.tries[id]++
	status := http.StatusOK
	if r.fail(id, r.tries[id]) {
		status = http.StatusInternalServerError
		r.injected++
	}
	k := hookKey{ev.WebhookID, ev.Entity.ID}
	r.seqs[k] = append(r.seqs[k], seq)
	r.indexes[ev.WebhookID] = append(r.indexes[ev.WebhookID], index)
	r.inFlight[k.webhook]++
	r.keyFlight[k]++
	r.maxHook[k.webhook] = max(r.maxHook[k.webhook], r.inFlight[k.webhook])
	r.maxKey[k.webhook] = max(r.maxKey[k.webhook], r.keyFlight[k])
	r.mu.Unlock()

	select {
	case <-time.After(r.latency):
	case <-req.Context().Done():
	}

	// The sender sees the answer only once the handler returns, so the
	// in-flight counts drop before it can send the next request.
	r.mu.Lock()
	r.inFlight[k.webhook]--
	r.keyFlight[k]--
	if status == http.StatusOK {
		r.ok[hookEvent{ev.WebhookID, ev.EventID}]++
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func readOrderedEvent(body io.Reader) (ev orderedEvent, seq, index int, err error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return ev, 0, 0, fmt.Errorf("read body: %w", err)
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return ev, 0, 0, fmt.Errorf("decode body: %w", err)
	}
	if seq, err = strconv.Atoi(ev.Entity.CustomMetadata["seq"]); err != nil {
		return ev, 0, 0, fmt.Errorf("entity.customMetadata.seq: %w", err)
	}
	if index, err = strconv.Atoi(ev.Entity.CustomMetadata["index"]); err != nil {
		return ev, 0, 0, fmt.Errorf("entity.customMetadata.index: %w", err)
	}
	if ev.WebhookID == "" || ev.EventID == "" || ev.Entity.ID == "" {
		return ev, 0, 0, fmt.Errorf("webhookId %q, eventId %q, entity.id %q: want all three", ev.WebhookID, ev.EventID, ev.Entity.ID)
	}
	return ev, seq, index, nil
}

// delivered counts the (webhook, event) pairs answered 2xx at least once.
func (r *orderReceiver) delivered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ok)
}

// orderSnapshot is a copy of what an orderReceiver recorded.
type orderSnapshot struct {
	requests, injected, duplicates int
	seqs                           map[hookKey][]int
	indexes                        map[string][]int
	maxHook, maxKey                map[string]int
	malformed                      []string
}

func (r *orderReceiver) snapshot() orderSnapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := orderSnapshot{
		requests: r.requests, injected: r.injected, seqs: map[hookKey][]int{}, indexes: map[string][]int{},
		maxHook: map[string]int{}, maxKey: map[string]int{}, malformed: append([]string(nil), r.malformed...),
	}
	for _, n := range r.ok {
		s.duplicates += n - 1
	}
	for k, v := range r.seqs {
		s.seqs[k] = append([]int(nil), v...)
	}
	for k, v := range r.indexes {
		s.indexes[k] = append([]int(nil), v...)
	}
	for k, v := range r.maxHook {
		s.maxHook[k] = v
	}
	for k, v := range r.maxKey {
		s.maxKey[k] = v
	}
	return s
}

// firstDrop is the first i where xs[i] is below xs[i-1], or -1 when xs never
// decreases: repeats are allowed, an earlier value after a later one is not.
func firstDrop(xs []int) int {
	for i := 1; i < len(xs); i++ {
		if xs[i] < xs[i-1] {
			return i
		}
	}
	return -1
}

// around shows xs near i, for a failure message that stays short.
func around(xs []int, i, width int) string {
	lo, hi := max(0, i-width), min(len(xs), i+width+1)
	return fmt.Sprintf("positions %d-%d of %d: %v", lo, hi-1, len(xs), xs[lo:hi])
}

func TestFirstDrop(t *testing.T) {
	for _, c := range []struct {
		xs   []int
		want int
	}{
		{nil, -1},
		{[]int{1}, -1},
		{[]int{1, 1, 2, 2, 3}, -1},
		{[]int{1, 3, 2}, 2},
		{[]int{2, 1, 0}, 1},
		{[]int{1, 2, 3, 3, 1}, 4},
	} {
		if got := firstDrop(c.xs); got != c.want {
			t.Errorf("firstDrop(%v) = %d, want %d", c.xs, got, c.want)
		}
	}
}
