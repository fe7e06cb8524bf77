package api

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

func TestUnknownQueryParametersAre400(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(adminToken, hook("a", "https://hooks.example.com/a"))
	for _, rt := range h.srv.Routes() {
		path := strings.NewReplacer("{id}", id, "{replayId}", "rp_x").Replace(rt.Pattern)
		status, out := h.do(adminToken, rt.Method, path+"?pageSize=5&bogus=1&zz=2", nil)
		code, field := errorOf(t, out)
		if want := slices.Contains(rt.params, "pageSize"); status != 400 || code != "unknown_parameter" || field != "bogus" {
			t.Errorf("%s %s?…bogus=1: %d %s/%s, want 400 unknown_parameter/bogus", rt.Method, path, status, code, field)
		} else if msg := out["error"].(map[string]any)["message"].(string); strings.Contains(msg, "pageSize") != want {
			t.Errorf("%s %s: message %q does not list what the route takes", rt.Method, path, msg)
		}
	}
	// A query that does not parse is refused, not read in part.
	for _, q := range []string{"pageSize=5;offset=1", "pageSize=%zz"} {
		status, out := h.do(adminToken, "GET", "/api/v1/webhooks?"+q, nil)
		if code, _ := errorOf(t, out); status != 400 || code != "malformed_query" {
			t.Errorf("?%s: %d %s, want 400 malformed_query", q, status, code)
		}
	}
	// Every parameter a route documents still works.
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, path := range []string{
		"/api/v1/webhooks?offset=0&pageSize=5&sortField=name&sortOrder=asc",
		"/api/v1/webhooks/history?offset=0&pageSize=5&sortField=timestamp&sortOrder=asc&webhookId=" + id +
			"&eventType=entityCreated&successOrFailure=failure&since=" + since + "&until=" + time.Now().UTC().Format(time.RFC3339),
		"/api/v1/dead-letters?offset=0&pageSize=5&sortField=deadLetteredAt&sortOrder=desc&webhookId=" + id + "&includeRedriven=true",
	} {
		if status, out := h.do(adminToken, "GET", path, nil); status != 200 {
			t.Errorf("GET %s: %d %v", path, status, out)
		}
	}
}

// TestMaxAttemptsIsBoundByTheTiers: the harness has three tiers, so four
// attempts at most.
func TestMaxAttemptsIsBoundByTheTiers(t *testing.T) {
	h := newHarness(t)
	if n := len(kafkatest.Tiers); n != 3 {
		t.Fatalf("the test expects 3 tiers, the harness has %d", n)
	}
	spec := hook("a", "https://hooks.example.com/a")
	spec["maxAttempts"] = 5
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", spec)
	code, field := errorOf(t, out)
	msg := out["error"].(map[string]any)["message"].(string)
	if status != 400 || code != "invalid_field" || field != "maxAttempts" || !strings.Contains(msg, "--retry-tiers") || !strings.Contains(msg, "at most 4") {
		t.Fatalf("maxAttempts 5 with 3 tiers: %d %v", status, out)
	}
	if _, list := h.do(adminToken, "GET", "/api/v1/webhooks", nil); list["count"] != 0.0 {
		t.Errorf("a refused webhook was saved: %v", list)
	}
	spec["maxAttempts"] = 4
	id, _ := h.create(aliceToken, spec)
	status, out = h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `{"maxAttempts":10}`, "application/merge-patch+json")
	if _, field := errorOf(t, out); status != 400 || field != "maxAttempts" {
		t.Errorf("PATCH maxAttempts 10: %d %v", status, out)
	}
	if w, _ := h.srv.Table().Get(id); w.MaxAttempts != 4 {
		t.Errorf("stored maxAttempts %d, want 4", w.MaxAttempts)
	}
}

func TestAutoDisableAfterZeroIsNever(t *testing.T) {
	h := newHarness(t)
	spec := hook("never", "https://hooks.example.com/a")
	spec["autoDisableAfter"] = 0
	never, _ := h.create(aliceToken, spec)
	byDefault, _ := h.create(aliceToken, hook("default", "https://hooks.example.com/b"))
	for id, want := range map[string]int32{never: 0, byDefault: 23} {
		w, _ := h.srv.Table().Get(id)
		_, got := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
		if w.AutoDisableAfter != want || got["autoDisableAfter"] != float64(want) {
			t.Errorf("%s: stored %d, read %v, want %d", id, w.AutoDisableAfter, got["autoDisableAfter"], want)
		}
	}
	// A patch that leaves it alone keeps 0; one that removes it restores the default.
	if status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+never, `{"description":"x"}`, "application/merge-patch+json"); status != 200 || out["autoDisableAfter"] != 0.0 {
		t.Errorf("unrelated patch: %d %v", status, out)
	}
	if status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+never, `{"autoDisableAfter":null}`, "application/merge-patch+json"); status != 200 || out["autoDisableAfter"] != 23.0 {
		t.Errorf("autoDisableAfter removed: %d %v", status, out)
	}
	if status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+byDefault, `{"autoDisableAfter":0}`, "application/merge-patch+json"); status != 200 || out["autoDisableAfter"] != 0.0 {
		t.Errorf("autoDisableAfter patched to 0: %d %v", status, out)
	}
	spec["autoDisableAfter"] = -1
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", spec)
	if _, field := errorOf(t, out); status != 400 || field != "autoDisableAfter" {
		t.Errorf("autoDisableAfter -1: %d %v", status, out)
	}
}

func TestRetryInImmutasPathOrder(t *testing.T) {
	h := newHarness(t)
	alice, _ := h.create(aliceToken, hook("a", "https://a.example.com/a"))
	h.produce(h.env.Names.Attempts, alice, attempt("a01", alice, "retry", 500, time.Now().UTC().Truncate(time.Millisecond)))
	kafkatest.WaitFor(t, 10*time.Second, "the attempt in the index", func() error {
		_, out := h.do(aliceToken, "GET", "/api/v1/webhooks/history", nil)
		return kafkatest.Equal(out["count"], any(1.0))
	})
	for _, path := range []string{"/api/v1/webhooks/history/retry/a01", "/api/v1/webhooks/history/a01/retry"} {
		status, out := h.do(aliceToken, "POST", path, nil)
		if status != http.StatusAccepted || out["originalDeliveryId"] != "msg_a01" || out["historyId"] != "a01" {
			t.Errorf("POST %s: %d %v", path, status, out)
		}
	}
	for _, c := range []struct {
		token, path string
	}{
		{bobToken, "/api/v1/webhooks/history/retry/a01"},    // not bob's
		{aliceToken, "/api/v1/webhooks/history/retry/nope"}, // no such record
		{aliceToken, "/api/v1/webhooks/history/retry/retry"},
		{aliceToken, "/api/v1/webhooks/history/a01/again"}, // neither order
	} {
		status, out := h.do(c.token, "POST", c.path, nil)
		if code, _ := errorOf(t, out); status != 404 || code != "not_found" {
			t.Errorf("POST %s: %d %v, want 404", c.path, status, out)
		}
	}
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/history/retry/a01?force=1", nil); status != 400 {
		t.Errorf("unknown parameter on Immuta's path: %d %v", status, out)
	}
}

// receiver answers each request by its path's status and records what it got.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []map[string]any
	hdrs []http.Header
}

func newReceiver(t *testing.T, status func(path string) int) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		rc.mu.Lock()
		rc.got, rc.hdrs = append(rc.got, body), append(rc.hdrs, r.Header.Clone())
		rc.mu.Unlock()
		code := status(r.URL.Path)
		w.WriteHeader(code)
		if code >= 300 {
			_, _ = io.WriteString(w, "endpoint says no")
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.got...)
}

func statusByPath(path string) int {
	if strings.HasPrefix(path, "/bad") {
		return 500
	}
	return 200
}

func TestValidateBeforeSave(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, statusByPath)
	count := func() float64 {
		_, list := h.do(adminToken, "GET", "/api/v1/webhooks", nil)
		return list["count"].(float64)
	}

	// A 500 refuses the save, saying what the endpoint answered.
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks?validate=true", hook("bad", rcv.srv.URL+"/bad"))
	code, field := errorOf(t, out)
	msg := out["error"].(map[string]any)["message"].(string)
	res, _ := out["result"].(map[string]any)
	if status != 422 || code != "validation_failed" || field != "url" || !strings.Contains(msg, "500") || !strings.Contains(msg, "endpoint says no") || res["statusCode"] != 500.0 {
		t.Fatalf("validate=true to a 500: %d %v", status, out)
	}
	if n := count(); n != 0 || len(rcv.requests()) != 1 {
		t.Fatalf("after a refused validation: %v webhooks saved, %d requests sent (want 0, 1)", n, len(rcv.requests()))
	}

	// An endpoint that cannot be reached is refused with the error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/gone"
	ln.Close()
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks?validate=true", hook("gone", closed))
	msg = out["error"].(map[string]any)["message"].(string)
	if status != 422 || !strings.Contains(msg, "refused") {
		t.Errorf("validate=true to a closed port: %d %v", status, out)
	}

	// A 2xx saves it; the sample carried the id the webhook got.
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks?validate=true", hook("good", rcv.srv.URL+"/good"))
	if status != 201 {
		t.Fatalf("validate=true to a 200: %d %v", status, out)
	}
	reqs := rcv.requests()
	if len(reqs) != 2 || reqs[1]["webhookId"] != out["id"] || count() != 1 {
		t.Errorf("the sample %v, the created webhook %v", reqs, out["id"])
	}
	// The same as a field of the body.
	spec := hook("field", rcv.srv.URL+"/bad")
	spec["validate"] = true
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", spec); status != 422 {
		t.Errorf("validate: true in the body to a 500: %d %v", status, out)
	}
	// Without validate nothing is sent first.
	sent := len(rcv.requests())
	h.create(aliceToken, hook("unchecked", rcv.srv.URL+"/bad"))
	if len(rcv.requests()) != sent {
		t.Error("a create without validate sent a sample")
	}
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks?validate=yes", hook("x", rcv.srv.URL+"/good"))
	if _, field := errorOf(t, out); status != 400 || field != "validate" {
		t.Errorf("validate=yes: %d %v", status, out)
	}
}

func TestValidateBeforeSaveInABatch(t *testing.T) {
	h := newHarness(t)
	rcv := newReceiver(t, statusByPath)
	item := func(name, path string, validate any) map[string]any {
		m := hook(name, rcv.srv.URL+path)
		if validate != nil {
			m["validate"] = validate
		}
		return m
	}
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{
		item("ok", "/good", true), item("refused", "/bad", true), item("unchecked", "/bad", nil),
	}})
	created, _ := out["createdWebhooks"].([]any)
	errs, _ := out["errors"].([]any)
	if status != 201 || len(created) != 2 || len(errs) != 1 {
		t.Fatalf("batch: %d %v", status, out)
	}
	e := errs[0].(map[string]any)
	body := e["error"].(map[string]any)
	if e["index"] != 1.0 || body["code"] != "validation_failed" || body["field"] != "webhooks[1].url" ||
		!strings.Contains(body["message"].(string), "500") || e["result"].(map[string]any)["statusCode"] != 500.0 {
		t.Errorf("the refused item: %v", e)
	}
	if n := len(rcv.requests()); n != 2 {
		t.Errorf("%d samples sent, want 2 (the items that asked)", n)
	}

	// validate=true holds for every item but one that says false.
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks?validate=true", map[string]any{"webhooks": []any{
		item("q-refused", "/bad", nil), item("q-unchecked", "/bad", false),
	}})
	created, _ = out["createdWebhooks"].([]any)
	errs, _ = out["errors"].([]any)
	if status != 201 || len(created) != 1 || created[0].(map[string]any)["name"] != "q-unchecked" || len(errs) != 1 {
		t.Errorf("validate=true batch: %d %v", status, out)
	}
	// A wrong type names the item's field, not Go's embedded struct.
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{map[string]any{"name": 5, "url": rcv.srv.URL}}})
	errs, _ = out["errors"].([]any)
	if status != 400 || len(errs) != 1 || errs[0].(map[string]any)["error"].(map[string]any)["field"] != "webhooks[0].name" {
		t.Errorf("wrong type in an item: %d %v", status, out)
	}
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"name": "x", "url": rcv.srv.URL, "filters": map[string]any{"tags": []any{1}}})
	if _, field := errorOf(t, out); status != 400 || field != "filters.tags" {
		t.Errorf("wrong type in a filter: %d %v", status, out)
	}
}

// TestOrderingDefaultsToEntityAndIsChecked: a webhook saved without
// ordering reads back as entity; an unknown mode is a 400 naming the field.
func TestOrderingDefaultsToEntityAndIsChecked(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, hook("a", "https://hooks.example.com/a"))
	if _, w := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil); w["ordering"] != "entity" {
		t.Errorf("ordering of a webhook saved without it: %v, want entity", w["ordering"])
	}
	status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `{"ordering":"none"}`, "application/merge-patch+json")
	if status != 200 || out["ordering"] != "none" {
		t.Errorf("PATCH ordering none: %d %v", status, out)
	}
	spec := hook("b", "https://hooks.example.com/b")
	spec["ordering"] = "fifo"
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks", spec)
	if _, field := errorOf(t, out); status != 400 || field != "ordering" {
		t.Errorf("ordering fifo: %d %v", status, out)
	}
}
