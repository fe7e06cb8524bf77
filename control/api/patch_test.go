package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

func TestPatchJSONPatchAndMergePatch(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, hook("p", "https://a.example.com/p"))
	path := "/api/v1/webhooks/" + id

	// OpenMetadata's example.
	status, out := h.do(aliceToken, "PATCH", path, `[{"op":"replace","path":"/enabled","value":false},{"op":"add","path":"/filters/tags/-","value":"PII.Sensitive"}]`, "application/json-patch+json")
	if status != 200 || out["enabled"] != false || out["status"] != "disabled" || out["filters"].(map[string]any)["tags"].([]any)[0] != "PII.Sensitive" {
		t.Fatalf("JSON Patch: %d %v", status, out)
	}
	status, out = h.do(aliceToken, "PATCH", path, `{"description":"merged","headers":{"Authorization":"Bearer t0ken"},"enabled":true}`, "application/merge-patch+json")
	if status != 200 || out["description"] != "merged" || out["enabled"] != true || out["name"] != "p" {
		t.Fatalf("merge patch: %d %v", status, out)
	}
	if out["headers"].(map[string]any)["Authorization"] != "[redacted]" {
		t.Errorf("GET shows a secret-bearing header: %v", out["headers"])
	}
	w, _ := h.srv.Table().Get(id)
	if h.sentHeaders(id)["Authorization"] != "Bearer t0ken" || w.Description != "merged" {
		t.Errorf("stored: %+v", w.Subscription)
	}
	// Plain application/json: an array is a JSON Patch, an object a merge patch.
	if status, out = h.do(aliceToken, "PATCH", path, `[{"op":"replace","path":"/batchSize","value":5}]`); status != 200 || out["batchSize"] != 5.0 {
		t.Fatalf("JSON Patch as application/json: %d %v", status, out)
	}
	// A JSON Patch that replaces the whole header map keeps the real values
	// it does not touch: the patch applies to the stored document.
	if status, out = h.do(aliceToken, "PATCH", path, `[{"op":"add","path":"/headers/X-Team","value":"data"}]`); status != 200 {
		t.Fatalf("add header: %d %v", status, out)
	}
	if got := h.sentHeaders(id); got["Authorization"] != "Bearer t0ken" || got["X-Team"] != "data" {
		t.Errorf("headers after patch: %v", got)
	}

	before, _ := h.srv.Table().Get(id)
	for _, c := range []struct {
		name, body, ct string
		status         int
		code, field    string
	}{
		{"test op fails", `[{"op":"test","path":"/name","value":"q"}]`, "application/json-patch+json", 400, "invalid_patch", ""},
		{"missing path", `[{"op":"replace","path":"/nope/x","value":1}]`, "application/json-patch+json", 400, "invalid_patch", ""},
		{"read-only id", `[{"op":"add","path":"/id","value":"x"}]`, "application/json-patch+json", 400, "unknown_field", "id"},
		{"secret", `{"secret":"whsec_mine"}`, "application/merge-patch+json", 400, "invalid_field", "secret"},
		{"bad value", `{"url":"gopher://x"}`, "application/merge-patch+json", 400, "invalid_field", "url"},
		{"wrong type", `{"enabled":"yes"}`, "application/merge-patch+json", 400, "invalid_type", "enabled"},
		{"not a patch", `"hello"`, "application/merge-patch+json", 400, "invalid_type", ""},
		{"truncated", `[{"op":"repl`, "application/json-patch+json", 400, "invalid_patch", ""},
		{"user makes it global", `{"global":true}`, "application/merge-patch+json", 403, "forbidden", "global"},
		{"media type", `{}`, "text/plain", 415, "unsupported_media_type", ""},
	} {
		status, out := h.do(aliceToken, "PATCH", path, c.body, c.ct)
		if status != c.status {
			t.Errorf("%s: %d, want %d (%v)", c.name, status, c.status, out)
			continue
		}
		if code, field := errorOf(t, out); code != c.code || field != c.field {
			t.Errorf("%s: %s/%q, want %s/%q", c.name, code, field, c.code, c.field)
		}
	}
	if after, _ := h.srv.Table().Get(id); !after.UpdatedAt.Equal(before.UpdatedAt) || after.URL != before.URL || after.Global != before.Global {
		t.Errorf("a refused patch changed the webhook: %+v", after.Subscription)
	}
}

// TestSavingReactivatesAFailedWebhook: the deliverer's failed status stands
// until the owner saves the webhook enabled; then a fresh active status is
// written, newer than the failed one.
func TestSavingReactivatesAFailedWebhook(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, hook("f", "https://a.example.com/f"))
	at := time.Now().UTC().Truncate(time.Millisecond)
	h.produce(h.env.Names.SubscriptionStatus, id, &schemas.SubscriptionStatus{WebhookID: id, Status: subscription.StatusFailed,
		ConsecutiveFailures: 23, LastFailureAt: &at, LastStatusCode: 503, LastFailureReason: "HTTP 503", UpdatedAt: at})
	kafkatest.WaitFor(t, 10*time.Second, "the failed status", func() error {
		w, _ := h.srv.Table().Get(id)
		return kafkatest.Equal(w.State(), subscription.StatusFailed)
	})
	_, out := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
	fd, _ := out["failureDetails"].(map[string]any)
	if out["status"] != "failed" || fd == nil || fd["lastFailedStatusCode"] != 503.0 || fd["lastFailedReason"] != "HTTP 503" || fd["consecutiveFailures"] != 23.0 {
		t.Fatalf("GET of a failed webhook: %v", out)
	}
	status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, `{"enabled":true}`, "application/merge-patch+json")
	if status != 200 || out["status"] != "active" {
		t.Fatalf("re-enable: %d %v", status, out)
	}
}

func TestRotateSecretSignsWithBothDuringGrace(t *testing.T) {
	h := newHarness(t)
	var (
		mu      sync.Mutex
		headers []http.Header
		bodies  [][]byte
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		headers, bodies = append(headers, r.Header.Clone()), append(bodies, b)
		mu.Unlock()
		_, _ = w.Write([]byte("thanks"))
	}))
	defer rcv.Close()
	id, old := h.create(aliceToken, hook("r", rcv.URL))
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/"+id+"/rotate-secret", nil)
	if status != 200 {
		t.Fatalf("rotate: %d %v", status, out)
	}
	fresh := out["secret"].(string)
	if fresh == old || !strings.HasPrefix(fresh, "whsec_") {
		t.Fatalf("rotated secret %q", fresh)
	}
	until, err := time.Parse(time.RFC3339Nano, out["previousSecretExpiresAt"].(string))
	if err != nil || until.Sub(time.Now()) < 23*time.Hour || until.Sub(time.Now()) > 25*time.Hour {
		t.Fatalf("grace ends %v (%v), want ~24h", out["previousSecretExpiresAt"], err)
	}
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks/"+id+"/test", nil)
	if status != 200 || out["success"] != true || out["statusCode"] != 200.0 || out["responseSnippet"] != "thanks" {
		t.Fatalf("test: %d %v", status, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(headers) != 1 {
		t.Fatalf("%d requests, want 1", len(headers))
	}
	sigs := strings.Fields(headers[0].Get("Webhook-Signature"))
	if len(sigs) != 2 {
		t.Fatalf("want two signatures during the grace period, got %q", headers[0].Get("Webhook-Signature"))
	}
	for _, sec := range []string{old, fresh} {
		if err := signature.Verify(headers[0], bodies[0], []string{sec}, time.Now(), signature.DefaultTolerance); err != nil {
			t.Errorf("secret does not verify the test request: %v", err)
		}
	}
	if strings.Contains(out["requestHeaders"].(map[string]any)["Webhook-Signature"].(string), "v1,") == false {
		t.Errorf("test answer lacks the request headers: %v", out["requestHeaders"])
	}
}

func TestValidateNeedsA2xx(t *testing.T) {
	h := newHarness(t)
	code := 200
	var mu sync.Mutex
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(code)
	}))
	defer rcv.Close()
	status, out := h.do(bobToken, "POST", "/api/v1/webhooks/validate", map[string]any{"url": rcv.URL, "eventTypes": []string{"workflowFailed"}})
	if status != 200 || out["success"] != true || out["eventType"] != "workflowFailed" {
		t.Fatalf("validate a 200 endpoint: %d %v", status, out)
	}
	mu.Lock()
	code = 500
	mu.Unlock()
	status, out = h.do(bobToken, "POST", "/api/v1/webhooks/validate", map[string]any{"url": rcv.URL})
	if status != 422 || out["result"].(map[string]any)["statusCode"] != 500.0 {
		t.Fatalf("validate a 500 endpoint: %d %v", status, out)
	}
	if c, f := errorOf(t, out); c != "validation_failed" || f != "url" {
		t.Errorf("error %s/%s", c, f)
	}
	// The guard decides before any connection: a private address is
	// refused without being dialled.
	status, out = h.do(bobToken, "POST", "/api/v1/webhooks/validate", map[string]any{"url": "http://10.1.2.3/hook"})
	if c, f := errorOf(t, out); status != 400 || c != "invalid_field" || f != "url" {
		t.Errorf("private address: %d %v", status, out)
	}
}
