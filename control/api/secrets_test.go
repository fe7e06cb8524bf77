package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// credentials are custom header values that must never be readable after
// save; accept is a header the rule keeps in clear.
var credentials = map[string]string{
	"Authorization": "Bearer cred-authorization-1",
	"Cookie":        "session=cred-cookie-2",
	"Api-Key":       "cred-api-key-3",
	"X-Auth-Token":  "cred-x-auth-token-4",
	"X-Team":        "cred-x-team-5",
}

const accept = "application/vnd.hookstream+json"

func credentialHeaders() map[string]string {
	h := map[string]string{"Accept": accept}
	for k, v := range credentials {
		h[k] = v
	}
	return h
}

// rawSubscriptions is every record value of the subscriptions topic, read
// as kcat would.
func (h *harness) rawSubscriptions() [][]byte {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(h.env.Admin).ListEndOffsets(ctx, h.env.Names.Subscriptions)
	if err != nil {
		h.t.Fatal(err)
	}
	pending := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			pending[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.env.Brokers...), kgo.ConsumeTopics(h.env.Names.Subscriptions),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	var out [][]byte
	for len(pending) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			h.t.Fatalf("subscriptions topic not read to its end: %v left", pending)
		}
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, r.Value)
			if end, ok := pending[r.Partition]; ok && r.Offset+1 >= end {
				delete(pending, r.Partition)
			}
		})
	}
	return out
}

// TestCredentialHeadersNeverShow: after save, custom header values that
// are credentials are sealed in the subscriptions topic, and no answer,
// history record, log line or metric carries them; the deliverer's view of
// the webhook (and the test route) still sends them.
func TestCredentialHeadersNeverShow(t *testing.T) {
	h := newHarness(t)
	var (
		mu   sync.Mutex
		sent []http.Header
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sent = append(sent, r.Header.Clone())
		mu.Unlock()
	}))
	defer rcv.Close()

	id, sec := h.create(aliceToken, map[string]any{"name": "c", "url": rcv.URL, "headers": credentialHeaders()})
	// Written also through both PATCH forms and a batch create.
	if st, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `[{"op":"add","path":"/headers/X-Patched","value":"cred-json-patch-6"}]`); st != 200 {
		t.Fatalf("JSON Patch: %d %v", st, out)
	}
	if st, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `{"headers":{"X-Merged":"cred-merge-patch-7"}}`, "application/merge-patch+json"); st != 200 {
		t.Fatalf("merge patch: %d %v", st, out)
	}
	credentials := map[string]string{"X-Patched": "cred-json-patch-6", "X-Merged": "cred-merge-patch-7"}
	for k, v := range credentialHeaders() {
		if k != "Accept" {
			credentials[k] = v
		}
	}
	st, batch := h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{
		map[string]any{"name": "b", "url": rcv.URL, "headers": map[string]string{"X-Batch": "cred-batch-8"}},
	}})
	if st != 201 {
		t.Fatalf("batch: %d %v", st, batch)
	}
	credentials["X-Batch"] = "cred-batch-8"

	// The topic, as kcat reads it.
	raw := bytes.Join(h.rawSubscriptions(), nil)
	for k, v := range credentials {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the subscriptions topic holds %s's value in clear", k)
		}
	}
	if bytes.Contains(raw, []byte(sec)) {
		t.Error("the subscriptions topic holds the signing secret in clear")
	}
	if !bytes.Contains(raw, []byte(accept)) {
		t.Error("Accept, not a credential, is not kept in clear")
	}

	// Every answer shows the placeholder.
	_, view := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
	headers := view["headers"].(map[string]any)
	for k := range credentials {
		if k == "X-Batch" {
			continue
		}
		if headers[k] != "[redacted]" {
			t.Errorf("GET shows %s as %v", k, headers[k])
		}
	}
	if headers["Accept"] != accept {
		t.Errorf("GET hides Accept: %v", headers["Accept"])
	}

	// The test route sends the real values and shows placeholders.
	st, probe := h.do(aliceToken, "POST", "/api/v1/webhooks/"+id+"/test", nil)
	if st != 200 {
		t.Fatalf("test: %d %v", st, probe)
	}
	mu.Lock()
	got := sent[len(sent)-1]
	mu.Unlock()
	for k, v := range credentials {
		if k != "X-Batch" && got.Get(k) != v {
			t.Errorf("the test request carried %s = %q, want the stored value", k, got.Get(k))
		}
	}
	for k := range credentials {
		if v, ok := probe["requestHeaders"].(map[string]any)[k]; ok && v != "[redacted]" {
			t.Errorf("the test answer shows %s = %v", k, v)
		}
	}

	// History: attempt records as an older deliverer wrote them, with
	// Api-Key and X-Auth-Token in clear, are shown redacted.
	old := attempt("old-1", id, "success", 200, time.Now().UTC().Truncate(time.Millisecond))
	old.RequestHeaders = map[string]string{"Api-Key": credentials["Api-Key"], "X-Auth-Token": credentials["X-Auth-Token"],
		"Accept": accept, "Webhook-Id": "msg_old-1", "Content-Type": "application/json"}
	h.produce(h.env.Names.Attempts, id, old)
	kafkatest.WaitFor(t, 10*time.Second, "the attempt in the history", func() error {
		if _, ok, _ := h.srv.history.Get("old-1"); !ok {
			return kafkatest.Missing([]string{"old-1"})
		}
		return nil
	})
	_, hist := h.do(aliceToken, "GET", "/api/v1/webhooks/history?webhookId="+id, nil)
	rh := hist["records"].([]any)[0].(map[string]any)["requestHeaders"].(map[string]any)
	if rh["Api-Key"] != "[redacted]" || rh["X-Auth-Token"] != "[redacted]" || rh["Accept"] != accept || rh["Webhook-Id"] != "msg_old-1" {
		t.Errorf("history request headers: %v", rh)
	}

	// Nothing anywhere: every answer so far, the logs, the metrics.
	var answers []string
	for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + id, "/api/v1/webhooks/history", "/api/v1/dead-letters"} {
		_, b := h.raw(adminToken, "GET", path, nil)
		answers = append(answers, string(b))
	}
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&metrics, mf); err != nil {
			t.Fatal(err)
		}
	}
	if metrics.Len() == 0 || h.logs.String() == "" {
		t.Fatal("no metrics or no logs to look through")
	}
	for what, text := range map[string]string{"answers": strings.Join(answers, "\n"), "logs": h.logs.String(), "metrics": metrics.String()} {
		for k, v := range credentials {
			if strings.Contains(text, v) {
				t.Errorf("the %s show %s's value", what, k)
			}
		}
		if strings.Contains(text, sec) {
			t.Errorf("the %s show the signing secret", what)
		}
	}
}

// TestPatchSeesOnlyPlaceholders: a PATCH works on the document its caller
// reads. Copy, move and test cannot read a hidden value (one answer,
// whatever the guess, so test is no oracle); the placeholder written back
// keeps the stored value; a placeholder with nothing behind it is refused.
func TestPatchSeesOnlyPlaceholders(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, map[string]any{"name": "p", "url": "https://a.example.com/p", "headers": credentialHeaders()})
	path := "/api/v1/webhooks/" + id
	before, _ := h.srv.Table().Get(id)

	var answers []string
	for _, c := range []struct{ name, body, field string }{
		{"copy to description", `[{"op":"copy","from":"/headers/Authorization","path":"/description"}]`, "headers.Authorization"},
		{"copy to another header", `[{"op":"copy","from":"/headers/Api-Key","path":"/headers/X-Copy"}]`, "headers.Api-Key"},
		{"move to the name", `[{"op":"move","from":"/headers/X-Auth-Token","path":"/name"}]`, "headers.X-Auth-Token"},
		{"test, right guess", `[{"op":"test","path":"/headers/Authorization","value":"Bearer cred-authorization-1"}]`, "headers.Authorization"},
		{"test, wrong guess", `[{"op":"test","path":"/headers/Authorization","value":"Bearer nope"}]`, "headers.Authorization"},
		{"test, the placeholder", `[{"op":"test","path":"/headers/Authorization","value":"[redacted]"}]`, "headers.Authorization"},
		{"after a harmless op", `[{"op":"replace","path":"/name","value":"q"},{"op":"copy","from":"/headers/Cookie","path":"/description"}]`, "headers.Cookie"},
	} {
		st, b := h.raw(aliceToken, "PATCH", path, c.body, "application/json-patch+json")
		if st != 400 || !strings.Contains(string(b), `"field": "`+c.field+`"`) || !strings.Contains(string(b), `"invalid_patch"`) {
			t.Errorf("%s: %d %s", c.name, st, b)
		}
		if strings.HasPrefix(c.name, "test") {
			answers = append(answers, string(b))
		}
	}
	if answers[0] != answers[1] || answers[1] != answers[2] {
		t.Errorf("test answers differ with the guess:\n%s", strings.Join(answers, "\n"))
	}
	if after, _ := h.srv.Table().Get(id); !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Error("a refused patch changed the webhook")
	}

	// A header that is not hidden may be read like any other field.
	st, out := h.do(aliceToken, "PATCH", path, `[{"op":"test","path":"/headers/Accept","value":"`+accept+`"},{"op":"copy","from":"/headers/Accept","path":"/description"}]`)
	if st != 200 || out["description"] != accept {
		t.Errorf("copy of a header that is not hidden: %d %v", st, out)
	}

	// What GET shows, sent back, keeps every value; a new value replaces.
	_, view := h.do(aliceToken, "GET", path, nil)
	st, out = h.do(aliceToken, "PATCH", path, map[string]any{"headers": view["headers"], "description": "round trip"}, "application/merge-patch+json")
	if st != 200 {
		t.Fatalf("write back what GET showed: %d %v", st, out)
	}
	if got := h.sentHeaders(id); got["Authorization"] != credentials["Authorization"] || got["Api-Key"] != credentials["Api-Key"] || got["Accept"] != accept {
		t.Errorf("after writing back placeholders: %v", got)
	}
	st, _ = h.do(aliceToken, "PATCH", path, `[{"op":"replace","path":"/headers/Authorization","value":"Bearer fresh"},{"op":"remove","path":"/headers/Cookie"}]`)
	if got := h.sentHeaders(id); st != 200 || got["Authorization"] != "Bearer fresh" || got["Cookie"] != "" || got["X-Team"] != credentials["X-Team"] {
		t.Errorf("replace and remove: %d %v", st, got)
	}

	// A placeholder where nothing is stored would send "[redacted]" itself.
	for _, c := range []struct{ method, path, body, ct, field string }{
		{"PATCH", path, `{"headers":{"X-New":"[redacted]"}}`, "application/merge-patch+json", "headers.X-New"},
		{"PATCH", path, `{"headers":{"Accept":"[redacted]"}}`, "application/merge-patch+json", "headers.Accept"},
		{"POST", "/api/v1/webhooks", `{"name":"n","url":"https://a.example.com","headers":{"Authorization":"[redacted]"}}`, "application/json", "headers.Authorization"},
	} {
		st, out := h.do(aliceToken, c.method, c.path, c.body, c.ct)
		if code, field := errorOf(t, out); st != 400 || code != "invalid_field" || field != c.field {
			t.Errorf("%s %s: %d %v", c.method, c.body, st, out)
		}
	}
}

// TestOlderRecordsHeadersInClear: a subscription an older API wrote, every
// header in clear, is shown redacted, still sent, and sealed by its next
// save.
func TestOlderRecordsHeadersInClear(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, hook("o", "https://a.example.com/o"))
	w, _ := h.srv.Table().Get(id)
	sub := w.Subscription
	sub.Headers, sub.SealedHeaders = map[string]string{"Api-Key": "old-clear-key", "Accept": accept}, nil
	h.produce(h.env.Names.Subscriptions, id, &sub)
	kafkatest.WaitFor(t, 10*time.Second, "the older record", func() error {
		w, _ := h.srv.Table().Get(id)
		return kafkatest.Named("its Api-Key", kafkatest.Equal(w.Headers["Api-Key"], "old-clear-key"))
	})
	_, view := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
	if hd := view["headers"].(map[string]any); hd["Api-Key"] != "[redacted]" || hd["Accept"] != accept {
		t.Errorf("GET of an older record: %v", hd)
	}
	if st, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `[{"op":"test","path":"/headers/Api-Key","value":"old-clear-key"}]`); st != 400 {
		t.Errorf("test on an older record's credential: %d %v", st, out)
	}
	if st, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `{"description":"resaved"}`, "application/merge-patch+json"); st != 200 {
		t.Fatalf("re-save: %d %v", st, out)
	}
	w, _ = h.srv.Table().Get(id)
	if _, clear := w.Headers["Api-Key"]; clear || len(w.SealedHeaders["Api-Key"]) == 0 || h.sentHeaders(id)["Api-Key"] != "old-clear-key" {
		t.Errorf("after a re-save: headers %v, sealed %v", w.Headers, w.SealedHeaders)
	}
}
