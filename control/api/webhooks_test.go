package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

func TestEveryRouteNeedsAToken(t *testing.T) {
	h := newHarness(t)
	for _, rt := range h.srv.Routes() {
		path := strings.NewReplacer("{id}", "x", "{replayId}", "y").Replace(rt.Pattern)
		for _, token := range []string{"", "not-a-token-0123456789"} {
			status, out := h.do(token, rt.Method, path, nil)
			if status != http.StatusUnauthorized {
				t.Errorf("%s %s with %q: %d, want 401", rt.Method, path, token, status)
				continue
			}
			if code, _ := errorOf(t, out); code != "unauthorized" {
				t.Errorf("%s %s: code %q", rt.Method, path, code)
			}
		}
	}
	if status, _ := h.raw("", "GET", OpenAPIPath, nil); status != http.StatusOK {
		t.Errorf("openapi.json needs no token, got %d", status)
	}
}

func TestCreateShowsTheSecretOnceAndUsersSeeOnlyTheirOwn(t *testing.T) {
	h := newHarness(t)
	id, sec := h.create(aliceToken, hook("alice's", "https://hooks.example.com/a"))
	if !strings.HasPrefix(sec, "whsec_") || len(sec) != len("whsec_")+44 {
		t.Fatalf("secret %q is not whsec_ + 32 bytes in base64", sec)
	}
	status, raw := h.raw(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
	if status != http.StatusOK || strings.Contains(string(raw), sec) || strings.Contains(string(raw), `"secret"`) {
		t.Fatalf("GET: %d, carries the secret or not found: %s", status, raw)
	}
	_, got := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
	if got["owner"] != "alice" || got["createdBy"] != "alice" || got["status"] != "active" || got["enabled"] != true {
		t.Errorf("GET: %v", got)
	}
	if got["timeoutSeconds"].(float64) != 10 || got["batchSize"].(float64) != 1 || got["signature"] != "standard" || got["payloadFormat"] != "generic" {
		t.Errorf("defaults not filled in: %v", got)
	}
	// The webhook is in the API's table, as it will be in the router's.
	if _, ok := h.srv.Table().Get(id); !ok {
		t.Fatal("the created webhook is not in the table")
	}

	bobID, _ := h.create(bobToken, hook("bob's", "https://hooks.example.com/b"))
	for _, c := range []struct {
		token, method, path string
		want                int
	}{
		{bobToken, "GET", "/api/v1/webhooks/" + id, 404},
		{bobToken, "PATCH", "/api/v1/webhooks/" + id, 404},
		{bobToken, "DELETE", "/api/v1/webhooks/" + id, 404},
		{bobToken, "POST", "/api/v1/webhooks/" + id + "/rotate-secret", 404},
		{bobToken, "POST", "/api/v1/webhooks/" + id + "/test", 404},
		{adminToken, "GET", "/api/v1/webhooks/" + id, 200},
		{aliceToken, "GET", "/api/v1/webhooks/" + bobID, 404},
		{aliceToken, "GET", "/api/v1/webhooks/nope", 404},
	} {
		var body any
		if c.method == "PATCH" {
			body = map[string]any{"description": "x"}
		}
		if status, _ := h.do(c.token, c.method, c.path, body); status != c.want {
			t.Errorf("%s %s as %s: %d, want %d", c.method, c.path, c.token[:5], status, c.want)
		}
	}
	for token, want := range map[string]float64{aliceToken: 1, bobToken: 1, adminToken: 2} {
		_, list := h.do(token, "GET", "/api/v1/webhooks", nil)
		if list["count"] != want {
			t.Errorf("%s lists %v webhooks, want %v", token[:5], list["count"], want)
		}
	}
	if status, _ := h.do(aliceToken, "DELETE", "/api/v1/webhooks/"+id, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil); status != http.StatusNotFound {
		t.Fatalf("GET after delete: %d", status)
	}
	if _, ok := h.srv.Table().Get(id); ok {
		t.Fatal("the deleted webhook is still in the table")
	}
}

func TestCreateRefusesBadInputAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	big := `{"name":"x","url":"https://a.example.com","description":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, c := range []struct {
		name, token string
		body        any
		status      int
		code, field string
	}{
		{"no url", aliceToken, map[string]any{"name": "x"}, 400, "invalid_field", "url"},
		{"bad url", aliceToken, map[string]any{"name": "x", "url": "ftp://a.example.com"}, 400, "invalid_field", "url"},
		{"relative url", aliceToken, map[string]any{"name": "x", "url": "/hook"}, 400, "invalid_field", "url"},
		{"private address", aliceToken, map[string]any{"name": "x", "url": "http://10.0.0.7/hook"}, 400, "invalid_field", "url"},
		{"metadata address", aliceToken, map[string]any{"name": "x", "url": "http://169.254.169.254/latest"}, 400, "invalid_field", "url"},
		{"no name", aliceToken, map[string]any{"url": "https://a.example.com"}, 400, "invalid_field", "name"},
		{"unknown event type", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "eventTypes": []string{"entityCreated", "entityExploded"}}, 400, "invalid_field", "eventTypes[1]"},
		{"unknown field", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "colour": "red"}, 400, "unknown_field", "colour"},
		{"unknown nested field", aliceToken, `{"name":"x","url":"https://a.example.com","filters":{"tags":[],"bogus":1}}`, 400, "unknown_field", "filters.bogus"},
		{"url of 200 KB", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com/" + strings.Repeat("a", 200<<10)}, 400, "invalid_field", "url"},
		{"url over 2048 bytes", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com/" + strings.Repeat("a", 2049-len("https://a.example.com/"))}, 400, "invalid_field", "url"},
		{"secret of 5 characters", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "secret": "abcde"}, 400, "invalid_field", "secret"},
		{"repetitive secret", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "secret": strings.Repeat("ab", 32)}, 400, "invalid_field", "secret"},
		{"short whsec_ secret", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "secret": "whsec_c2hvcnQ="}, 400, "invalid_field", "secret"},
		{"wrong type", aliceToken, `{"name":"x","url":"https://a.example.com","batchSize":"ten"}`, 400, "invalid_type", "batchSize"},
		{"wrong nested type", aliceToken, `{"name":"x","url":"https://a.example.com","filters":{"tags":"PII"}}`, 400, "invalid_type", "filters.tags"},
		{"truncated", aliceToken, `{"name":"x","url":"https://a.exa`, 400, "malformed_json", ""},
		{"trailing data", aliceToken, `{"name":"x","url":"https://a.example.com"} {}`, 400, "malformed_json", ""},
		{"empty", aliceToken, ``, 400, "empty_body", ""},
		{"over 1 MiB", aliceToken, big, 400, "body_too_large", ""},
		{"bad method", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "method": "GET"}, 400, "invalid_field", "method"},
		{"bad format", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "payloadFormat": "xml"}, 400, "invalid_field", "payloadFormat"},
		{"bad signature", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "signature": "md5"}, 400, "invalid_field", "signature"},
		{"timeout too long", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "timeoutSeconds": 600}, 400, "invalid_field", "timeoutSeconds"},
		{"reserved header", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "headers": map[string]string{"Content-Type": "text/plain"}}, 400, "invalid_field", "headers.Content-Type"},
		{"header injection", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "headers": map[string]string{"X-A": "a\r\nX-B: b"}}, 400, "invalid_field", "headers.X-A"},
		{"both type lists", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "eventTypes": []string{"*"}, "notificationType": []string{"ALL_NOTIFICATIONS"}}, 400, "invalid_field", "notificationType"},
		{"user makes a global webhook", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "global": true}, 403, "forbidden", "global"},
		{"user makes one for another", aliceToken, map[string]any{"name": "x", "url": "https://a.example.com", "owner": "bob"}, 403, "forbidden", "owner"},
	} {
		status, out := h.do(c.token, "POST", "/api/v1/webhooks", c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, out)
			continue
		}
		if code, field := errorOf(t, out); code != c.code || field != c.field {
			t.Errorf("%s: error %s/%q, want %s/%q (%v)", c.name, code, field, c.code, c.field, out)
		}
	}
	if _, list := h.do(adminToken, "GET", "/api/v1/webhooks", nil); list["count"] != 0.0 {
		t.Fatalf("refused requests wrote webhooks: %v", list)
	}
	// The limits themselves are fine: a URL of 2048 bytes, a chosen secret
	// of 24 varied characters.
	long := "https://a.example.com/" + strings.Repeat("a", 2048-len("https://a.example.com/"))
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"name": "l", "url": long, "secret": "Tr0ub4dor&3-horse-staple"}); status != http.StatusCreated || out["secret"] != "Tr0ub4dor&3-horse-staple" {
		t.Fatalf("a URL at the limit and a chosen secret: %d %v", status, out)
	}
	// Immuta's spelling and an admin's global webhook are fine.
	status, out := h.do(adminToken, "POST", "/api/v1/webhooks", map[string]any{"name": "g", "url": "https://a.example.com", "global": true, "notificationType": []string{"ALL_NOTIFICATIONS"}})
	if status != http.StatusCreated || out["global"] != true || out["eventTypes"].([]any)[0] != "ALL_NOTIFICATIONS" {
		t.Fatalf("admin global create: %d %v", status, out)
	}
}

func TestBatchCreateReportsEachItem(t *testing.T) {
	h := newHarness(t)
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{
		hook("one", "https://a.example.com/1"),
		map[string]any{"name": "two", "url": "not a url"},
		hook("three", "https://a.example.com/3"),
	}})
	if status != http.StatusCreated {
		t.Fatalf("batch: %d %v", status, out)
	}
	created := out["createdWebhooks"].([]any)
	errs := out["errors"].([]any)
	if len(created) != 2 || len(errs) != 1 {
		t.Fatalf("created %d, errors %d: %v", len(created), len(errs), out)
	}
	for _, c := range created {
		if s, _ := c.(map[string]any)["secret"].(string); !strings.HasPrefix(s, "whsec_") {
			t.Errorf("created webhook without its secret: %v", c)
		}
	}
	e := errs[0].(map[string]any)
	if e["index"] != 1.0 || e["error"].(map[string]any)["field"] != "webhooks[1].url" {
		t.Errorf("error item: %v", e)
	}
	_, out = h.do(aliceToken, "POST", "/api/v1/webhooks", `{"webhooks":[{"name":"n","url":"https://a.example.com","filters":{"bogus":1}}]}`)
	if errs := out["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["error"].(map[string]any)["field"] != "webhooks[0].filters.bogus" {
		t.Errorf("unknown nested field of an item: %v", out)
	}
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{map[string]any{"name": "bad"}}}); status != 400 || len(out["createdWebhooks"].([]any)) != 0 {
		t.Errorf("all-bad batch: %d %v", status, out)
	}
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{}}); status != 400 {
		t.Errorf("empty batch: %d %v", status, out)
	}
}

func TestListPagesAndSorts(t *testing.T) {
	h := newHarness(t)
	for _, n := range []string{"c", "a", "b"} {
		h.create(aliceToken, hook(n, "https://a.example.com/"+n))
		// createdAt has millisecond precision: webhooks made within one
		// millisecond tie, and the order would fall to their random ids.
		done := time.Now().Truncate(time.Millisecond)
		kafkatest.WaitFor(t, time.Second, "the next millisecond", func() error {
			if now := time.Now().Truncate(time.Millisecond); !now.After(done) {
				return fmt.Errorf("still %s", now.Format(time.RFC3339Nano))
			}
			return nil
		})
	}
	_, out := h.do(aliceToken, "GET", "/api/v1/webhooks?sortField=name&sortOrder=asc&offset=1&pageSize=1", nil)
	recs := out["records"].([]any)
	if out["count"] != 3.0 || len(recs) != 1 || recs[0].(map[string]any)["name"] != "b" {
		t.Fatalf("page: %v", out)
	}
	_, out = h.do(aliceToken, "GET", "/api/v1/webhooks", nil)
	if first := out["records"].([]any)[0].(map[string]any)["name"]; first != "b" {
		t.Errorf("default order is newest first, got %v first", first)
	}
	for q, field := range map[string]string{"pageSize=0": "pageSize", "pageSize=5000": "pageSize", "offset=-1": "offset",
		"sortField=colour": "sortField", "sortOrder=up": "sortOrder", "offset=x": "offset"} {
		status, out := h.do(aliceToken, "GET", "/api/v1/webhooks?"+q, nil)
		if _, f := errorOf(t, out); status != 400 || f != field {
			t.Errorf("%s: %d field %q", q, status, f)
		}
	}
}

func TestActionsCatalogue(t *testing.T) {
	h := newHarness(t)
	_, out := h.do(bobToken, "GET", "/api/v1/webhooks/actions", nil)
	seen := map[string]bool{}
	for _, a := range out["actions"].([]any) {
		m := a.(map[string]any)
		seen[m["type"].(string)] = m["description"] != ""
	}
	for _, ty := range []string{"*", "entityCreated", "tagRemoved", "workflowFailed", "policyUpdated"} {
		if !seen[ty] {
			t.Errorf("%s missing or without description", ty)
		}
	}
}

// A body with invalid UTF-8 is refused, not saved with U+FFFD in place of
// the bytes the caller sent.
func TestInvalidUTF8BodyIsRefused(t *testing.T) {
	h := newHarness(t)
	req := httptest.NewRequest("POST", "/api/v1/webhooks", strings.NewReader("{\"name\":\"bad\xff\",\"url\":\"https://a.example.com/h\"}"))
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "UTF-8") {
		t.Fatalf("%d %s, want a 400 naming UTF-8", rec.Code, rec.Body)
	}
	if _, out := h.do(aliceToken, "GET", "/api/v1/webhooks", nil); out["count"] != 0.0 {
		t.Fatalf("something was saved: %v", out)
	}
}
