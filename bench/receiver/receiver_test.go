package receiver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func post(r *Receiver, path, message, body string) int {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("webhook-id", message)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w.Code
}

// everyEvent knows every event as produced now, each the first of its own
// key.
func everyEvent(id string) (Event, bool) { return Event{ProducedAt: time.Now(), Key: id, Seq: 1}, true }

func TestFlakyFailsOneMessageAtMostMaxFailuresTimes(t *testing.T) {
	r := New(Config{ErrorRate: 0.999999, MaxFailures: 3, Lookup: everyEvent})
	body := `{"eventId":"e1","webhookId":"w1"}`
	var codes []int
	for range 5 {
		codes = append(codes, post(r, "/flaky/w1", "msg_1", body))
	}
	want := []int{500, 500, 500, 204, 204}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("answers %v, want %v", codes, want)
		}
	}
	c := r.Counts()
	if c.Delivered != 1 || c.Duplicates != 1 || c.Failed != 3 {
		t.Fatalf("counts %+v, want 1 delivered, 1 duplicate, 3 failed", c)
	}
	// Repeats of one event are not disorder.
	if c.OrderViolations != 0 || c.Overlaps != 0 {
		t.Fatalf("counts %+v, want no order violation for repeats of one event", c)
	}
	// Another message has its own budget of failures.
	if code := post(r, "/flaky/w1", "msg_2", `{"eventId":"e2","webhookId":"w1"}`); code != 500 {
		t.Fatalf("a new message got %d, want 500", code)
	}
}

func TestOKCountsFirstReceiptsAndDuplicates(t *testing.T) {
	r := New(Config{Lookup: func(id string) (Event, bool) {
		ev, _ := everyEvent(id)
		return ev, id != "stranger"
	}})
	for _, b := range []string{`{"eventId":"e1","webhookId":"w1"}`, `{"eventId":"e1","webhookId":"w2"}`, `{"eventId":"e1","webhookId":"w1"}`, `{"eventId":"stranger","webhookId":"w1"}`} {
		if code := post(r, "/ok/x", "m", b); code != http.StatusNoContent {
			t.Fatalf("answer %d to %s", code, b)
		}
	}
	if code := post(r, "/ok/x", "m", `not json`); code != http.StatusBadRequest {
		t.Fatalf("answer %d to a body without ids, want 400", code)
	}
	c := r.Counts()
	if c.Delivered != 2 || c.Duplicates != 1 || c.Unexpected != 2 {
		t.Fatalf("counts %+v, want 2 delivered, 1 duplicate and 2 unexpected", c)
	}
	if !r.Delivered("e1", "w2") || r.Delivered("e2", "w1") {
		t.Fatal("Delivered disagrees with what was posted")
	}
}

func TestOrderIsCheckedPerWebhookAndKey(t *testing.T) {
	// Events e1…e4 are updates 1…4 of key k; x1 is the only one of key x.
	seq := map[string]Event{"e1": {Key: "k", Seq: 1}, "e2": {Key: "k", Seq: 2}, "e3": {Key: "k", Seq: 3}, "e4": {Key: "k", Seq: 4}, "x1": {Key: "x", Seq: 1}}
	r := New(Config{Lookup: func(id string) (Event, bool) { ev, ok := seq[id]; return ev, ok }})
	send := func(webhook string, events ...string) {
		for _, e := range events {
			if code := post(r, "/ok/"+webhook, "m", fmt.Sprintf(`{"eventId":%q,"webhookId":%q}`, e, webhook)); code != http.StatusNoContent {
				t.Fatalf("answer %d to %s at %s", code, e, webhook)
			}
		}
	}
	// w1 sees the key in order, with a repeat of the last one (allowed after
	// a crash) and another key between; w2 sees e2 after e3.
	send("w1", "e1", "e2", "x1", "e2", "e3", "e4")
	send("w2", "e1", "e3", "e2", "e4")
	c := r.Counts()
	if c.OrderViolations != 1 || c.Overlaps != 0 {
		t.Fatalf("counts %+v, want 1 order violation and no overlap", c)
	}
	if len(c.Samples) != 1 || !strings.Contains(c.Samples[0], "webhook w2 key k: event 2 arrived after event 3") {
		t.Fatalf("samples %q, want the one violation at w2", c.Samples)
	}
	// An earlier event after the last one of its key, not only after the
	// one before it.
	send("w1", "e1")
	if c := r.Counts(); c.OrderViolations != 2 {
		t.Fatalf("counts %+v, want e1 after e4 counted", c)
	}
	r.Reset()
	send("w2", "e1")
	if c := r.Counts(); c.OrderViolations != 0 || len(c.Samples) != 0 {
		t.Fatalf("after Reset, counts %+v, want none", c)
	}
}

func TestOverlapsOfOneKeyAreCounted(t *testing.T) {
	o := newOrder()
	leave := o.arrive("w", "k", 1)
	o.arrive("w", "other", 1)()
	o.arrive("v", "k", 1)() // the same key at another webhook is not an overlap
	if o.overlaps != 0 {
		t.Fatalf("%d overlaps, want 0 for other keys and webhooks", o.overlaps)
	}
	leave2 := o.arrive("w", "k", 2) // while event 1 is still being answered
	if o.overlaps != 1 {
		t.Fatalf("%d overlaps, want 1", o.overlaps)
	}
	leave()
	leave2()
	o.arrive("w", "k", 3)()
	if o.overlaps != 1 || o.violations != 0 || len(o.inFlight) != 0 {
		t.Fatalf("overlaps %d, violations %d, in flight %v: want 1, 0, none", o.overlaps, o.violations, o.inFlight)
	}
}

func TestSlowAnswersAfterItsDelayAndIsCountedApart(t *testing.T) {
	const delay = 50 * time.Millisecond
	r := New(Config{SlowAnswer: delay, Lookup: everyEvent})
	start := time.Now()
	if code := post(r, "/slow/1", "m", `{"eventId":"e1","webhookId":"slow"}`); code != http.StatusNoContent {
		t.Fatalf("answer %d, want 204", code)
	}
	if took := time.Since(start); took < delay {
		t.Fatalf("answered after %s, want at least %s", took, delay)
	}
	post(r, "/ok/1", "m", `{"eventId":"e1","webhookId":"ok"}`)
	if s, ok, all := r.CountsOf(Slow), r.CountsOf(OK), r.Counts(); s.Delivered != 1 || ok.Delivered != 1 || all.Delivered != 2 {
		t.Fatalf("slow %d, ok %d, all %d delivered: want 1, 1, 2", s.Delivered, ok.Delivered, all.Delivered)
	}
	if lat := r.Latencies(Slow); len(lat) != 1 || lat[0] < delay {
		t.Fatalf("slow latencies %v, want one of at least %s", lat, delay)
	}
	// Close frees a slow request without counting it.
	r.Close()
	if code := post(r, "/slow/1", "m", `{"eventId":"e2","webhookId":"slow"}`); code != http.StatusServiceUnavailable {
		t.Fatalf("answer %d after Close, want 503", code)
	}
	if c := r.CountsOf(Slow); c.Delivered != 1 {
		t.Fatalf("slow delivered %d after Close, want 1", c.Delivered)
	}
}
