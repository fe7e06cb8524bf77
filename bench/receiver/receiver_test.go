package receiver

import (
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

func TestFlakyFailsOneMessageAtMostMaxFailuresTimes(t *testing.T) {
	r := New(Config{ErrorRate: 0.999999, MaxFailures: 3, ProducedAt: func(string) (time.Time, bool) { return time.Now(), true }})
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
	// Another message has its own budget of failures.
	if code := post(r, "/flaky/w1", "msg_2", `{"eventId":"e2","webhookId":"w1"}`); code != 500 {
		t.Fatalf("a new message got %d, want 500", code)
	}
}

func TestOKCountsFirstReceiptsAndDuplicates(t *testing.T) {
	r := New(Config{ProducedAt: func(id string) (time.Time, bool) { return time.Now(), id != "stranger" }})
	for _, b := range []string{`{"eventId":"e1","webhookId":"w1"}`, `{"eventId":"e1","webhookId":"w2"}`, `{"eventId":"e1","webhookId":"w1"}`, `{"eventId":"stranger","webhookId":"w1"}`} {
		if code := post(r, "/ok/x", "m", b); code != http.StatusNoContent {
			t.Fatalf("answer %d to %s", code, b)
		}
	}
	if code := post(r, "/ok/x", "m", `not json`); code != http.StatusBadRequest {
		t.Fatalf("answer %d to a body without ids, want 400", code)
	}
	c := r.Counts()
	if c.Delivered != 2 || c.Duplicates != 1 {
		t.Fatalf("counts %+v, want 2 delivered and 1 duplicate", c)
	}
	if !r.Delivered("e1", "w2") || r.Delivered("e2", "w1") {
		t.Fatal("Delivered disagrees with what was posted")
	}
}
