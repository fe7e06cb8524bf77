package history

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t testing.TB, dir string, retention time.Duration) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, Retention: retention}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rec(id, webhookID, eventType, outcome string, at time.Time) Record {
	r := Record{
		ID: id, DeliveryID: "msg_" + id, WebhookID: webhookID, EventID: "evt-" + id, EventType: eventType,
		Attempt: 1, Tier: "deliveries", Outcome: outcome, Success: outcome == Success, StatusCode: 500,
		LatencyMs: 12, Error: "HTTP 500", RequestHeaders: map[string]string{"Content-Type": "application/json", "Webhook-Id": "msg_" + id},
		ResponseSnippet: "oops", Event: []byte(`{"eventId":"evt-` + id + `"}`), Timestamp: at.UTC(),
	}
	if r.Success {
		r.StatusCode, r.Error = 200, ""
	}
	return r
}

func ids(p Page) []string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.ID)
	}
	return out
}

func find(t *testing.T, s *Store, q Query) Page {
	t.Helper()
	if q.PageSize == 0 {
		q.PageSize = 100
	}
	p, err := s.Find(q)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStoreQueriesResumesAndExpires(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	b := &Batch{Topic: "attempts"}
	for i := range 30 {
		outcome, et := Success, "entityCreated"
		if i%3 == 0 {
			outcome = "retry"
		}
		if i%5 == 0 {
			et = "tagAdded"
		}
		b.Add(rec(fmt.Sprintf("a%02d", i), []string{"wh_a", "wh_b", "wh_c"}[i%3], et, outcome, base.Add(time.Duration(i)*time.Minute)))
		b.Advance(int32(i%2), int64(i/2))
	}
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	if p := find(t, s, Query{Descending: true}); p.Count != 30 || len(p.Records) != 30 || p.Records[0].ID != "a29" || p.Records[29].ID != "a00" {
		t.Fatalf("all, newest first: %d %v", p.Count, ids(p))
	}
	got := find(t, s, Query{WebhookID: "wh_a", SuccessOrFailure: "failure", Descending: true})
	if got.Count != 10 || got.Records[0].ID != "a27" || got.Records[0].Error != "HTTP 500" || got.Records[0].RequestHeaders["Webhook-Id"] != "msg_a27" ||
		string(got.Records[0].Event) != `{"eventId":"evt-a27"}` || got.Records[0].ResponseSnippet != "oops" || !got.Records[0].Timestamp.Equal(base.Add(27*time.Minute)) {
		t.Fatalf("wh_a's failures: %d %+v", got.Count, got.Records[0])
	}
	if p := find(t, s, Query{WebhookID: "wh_b", SuccessOrFailure: "failure"}); p.Count != 0 {
		t.Errorf("wh_b has no failures: %v", ids(p))
	}
	if p := find(t, s, Query{EventType: "tagAdded", Descending: true}); p.Count != 6 || fmt.Sprint(ids(p)) != "[a25 a20 a15 a10 a05 a00]" {
		t.Errorf("tagAdded: %d %v", p.Count, ids(p))
	}
	if p := find(t, s, Query{EventType: "tagAdded", SuccessOrFailure: "failure", Descending: true}); p.Count != 2 || fmt.Sprint(ids(p)) != "[a15 a00]" {
		t.Errorf("tagAdded failures: %d %v", p.Count, ids(p))
	}
	if p := find(t, s, Query{Since: base.Add(10 * time.Minute), Until: base.Add(13 * time.Minute)}); p.Count != 3 || fmt.Sprint(ids(p)) != "[a10 a11 a12]" {
		t.Errorf("[since, until), oldest first: %d %v", p.Count, ids(p))
	}
	if p := find(t, s, Query{Visible: func(id string) bool { return id == "wh_c" }}); p.Count != 10 || p.Records[0].WebhookID != "wh_c" {
		t.Errorf("visible wh_c only: %d %v", p.Count, ids(p))
	}
	if p := find(t, s, Query{SortField: "webhookId", Offset: 9, PageSize: 2}); p.Count != 30 || fmt.Sprint(ids(p)) != "[a27 a01]" {
		t.Errorf("by webhook id: %v", ids(p))
	}

	// A cursor walks the pages with no repeat and no gap; offset still skips.
	var walked []string
	q := Query{WebhookID: "wh_a", Descending: true, PageSize: 4}
	for {
		p := find(t, s, q)
		walked = append(walked, ids(p)...)
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if fmt.Sprint(walked) != "[a27 a24 a21 a18 a15 a12 a09 a06 a03 a00]" {
		t.Errorf("pages by cursor: %v", walked)
	}
	if p := find(t, s, Query{WebhookID: "wh_a", Descending: true, Offset: 8, PageSize: 4}); fmt.Sprint(ids(p)) != "[a03 a00]" || p.Next != "" {
		t.Errorf("offset 8: %v %q", ids(p), p.Next)
	}
	if _, err := s.Find(Query{Cursor: "!!", PageSize: 1}); err != ErrBadCursor {
		t.Errorf("bad cursor: %v", err)
	}

	// An id met twice in one batch is indexed once, the later one.
	b.Reset()
	b.Add(rec("z", "wh_a", "tagAdded", "retry", base))
	b.Add(rec("z", "wh_a", "tagAdded", Success, base.Add(time.Second)))
	b.Advance(0, 15)
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	if r, ok, _ := s.Get("z"); !ok || !r.Success {
		t.Errorf("z: %v %+v", ok, r)
	}
	if p := find(t, s, Query{WebhookID: "wh_a"}); p.Count != 11 || len(p.Records) != 11 {
		t.Errorf("wh_a after z: %d %d", p.Count, len(p.Records))
	}

	// Reopened, it has everything and the offsets it applied.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, 2*time.Hour)
	defer s.Close()
	off, err := s.Offsets("attempts")
	if err != nil || off[0] != 16 || off[1] != 15 || len(off) != 2 {
		t.Errorf("offsets: %v %v", off, err)
	}
	if s.Len() != 31 {
		t.Errorf("after a reopen: %d attempts", s.Len())
	}
	if _, ok, _ := s.Get("nope"); ok {
		t.Error("an unknown id found")
	}

}

func TestRetentionRemovesWholeSlotsAndHidesTheRest(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	now := time.Now()
	hour := now.Truncate(time.Hour)
	b := &Batch{Topic: "attempts"}
	b.Add(rec("old1", "wh_a", "tagAdded", "retry", hour.Add(-5*time.Hour+10*time.Minute)))
	b.Add(rec("old2", "wh_b", "tagAdded", Success, hour.Add(-5*time.Hour+50*time.Minute)))
	b.Add(rec("edge", "wh_a", "tagAdded", "retry", now.Add(-3*time.Hour-time.Millisecond))) // the cutoff's hour, before it
	b.Add(rec("new", "wh_a", "tagAdded", "retry", now.Add(-time.Hour)))
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir, 3*time.Hour)
	defer s.Close()
	n, err := s.Expire(now)
	if err != nil || n != 2 {
		t.Fatalf("expired %d (%v), want the 2 of the slots that ended before the cutoff", n, err)
	}
	if _, ok, _ := s.Get("old1"); ok {
		t.Error("an expired attempt found by id")
	}
	if s.Len() != 2 {
		t.Errorf("left %d, want edge and new", s.Len())
	}
	if p := find(t, s, Query{Descending: true, Since: now.Add(-24 * time.Hour)}); p.Count != 1 || fmt.Sprint(ids(p)) != "[new]" {
		t.Errorf("find hides what is past the retention: %d %v", p.Count, ids(p))
	}
	if p := find(t, s, Query{WebhookID: "wh_a", SuccessOrFailure: "failure"}); fmt.Sprint(ids(p)) != "[new]" {
		t.Errorf("failures: %v", ids(p))
	}
	// One older than the retention is not indexed.
	b.Reset()
	b.Add(rec("late", "wh_a", "tagAdded", Success, now.Add(-4*time.Hour)))
	if err := s.Apply(b); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get("late"); ok {
		t.Error("an attempt older than the retention was indexed")
	}
}

func TestOpenTwiceFails(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	defer s.Close()
	if s2, err := Open(Options{Dir: dir}, quiet); err == nil {
		s2.Close()
		t.Fatal("a second Open of one directory succeeded")
	}
}

func TestCallsAfterCloseFail(t *testing.T) {
	s := open(t, t.TempDir(), 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Find(Query{PageSize: 1}); err != ErrClosed {
		t.Errorf("Find after Close: %v", err)
	}
	if _, _, err := s.Get("x"); err != ErrClosed {
		t.Errorf("Get after Close: %v", err)
	}
	if err := s.Apply(&Batch{Records: []Record{rec("x", "wh", "t", Success, time.Now())}}); err != ErrClosed {
		t.Errorf("Apply after Close: %v", err)
	}
}
