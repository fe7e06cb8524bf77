package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
)

func withFields(spec map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		spec[kv[i].(string)] = kv[i+1]
	}
	return spec
}

// TestExpressionsCheckedAtSave: a filter or template that does not compile
// is a 400 naming the field, with the position and the reason, on create,
// on PATCH and in preview; a good one is saved and read back.
func TestExpressionsCheckedAtSave(t *testing.T) {
	h := newHarness(t)
	url := "https://hooks.example.com/x"
	for _, tc := range []struct {
		name      string
		spec      map[string]any
		field     string
		inMessage []string
	}{
		{"unknown field", withFields(hook("f", url), "filter", `event.entity.nope == "x"`), "filter", []string{"line 1, column 13", "undefined field 'nope'"}},
		{"syntax", withFields(hook("f", url), "filter", `event.entity.type ==`), "filter", []string{"line 1, column 21", "Syntax error"}},
		{"not boolean", withFields(hook("f", url), "filter", `event.entity.name`), "filter", []string{"boolean"}},
		{"too long", withFields(hook("f", url), "filter", `event.actor == "`+strings.Repeat("a", 5000)+`"`), "filter", []string{"longer than 4096"}},
		{"custom without template", withFields(hook("f", url), "payloadFormat", "custom"), "template", []string{"is required"}},
		{"template without custom", withFields(hook("f", url), "template", `{"a": 1}`), "template", []string{"custom"}},
		{"template type", withFields(hook("f", url), "payloadFormat", "custom", "template", `event.timestamp`), "template", []string{"map, a list or a string"}},
		{"template field", withFields(hook("f", url), "payloadFormat", "custom", "template", `{"a": webhook.secret}`), "template", []string{"line 1, column 14", "undefined field 'secret'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := h.do(adminToken, "POST", "/api/v1/webhooks", tc.spec)
			if status != http.StatusBadRequest {
				t.Fatalf("create: %d %v", status, out)
			}
			if _, field := errorOf(t, out); field != tc.field {
				t.Errorf("field %q, want %q", field, tc.field)
			}
			msg := out["error"].(map[string]any)["message"].(string)
			for _, want := range tc.inMessage {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			status, out = h.do(adminToken, "POST", "/api/v1/webhooks/preview", map[string]any{"webhook": tc.spec})
			if _, field := errorOf(t, out); status != http.StatusBadRequest || field != "webhook."+tc.field {
				t.Errorf("preview: %d %v", status, out)
			}
		})
	}

	filter := `event.entity.customMetadata["cardTemplateId"] == "1"`
	template := `{"text": event.entity.name + " changed", "hook": webhook.name}`
	id, _ := h.create(aliceToken, withFields(hook("card", url), "filter", filter, "payloadFormat", "custom", "template", template))
	_, got := h.do(aliceToken, "GET", "/api/v1/webhooks/"+id, nil)
	if got["filter"] != filter || got["template"] != template || got["payloadFormat"] != "custom" {
		t.Errorf("read back: %v", got)
	}
	if w, _ := h.srv.Table().Get(id); w.Filter != filter || w.Template != template {
		t.Errorf("stored: %q %q", w.Filter, w.Template)
	}
	status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"filter": `event.entity.customMetadata == 1`})
	if _, field := errorOf(t, out); status != http.StatusBadRequest || field != "filter" {
		t.Errorf("patch: %d %v", status, out)
	}
	status, _ = h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"filter": ""})
	if w, _ := h.srv.Table().Get(id); status != http.StatusOK || w.Filter != "" {
		t.Errorf("patch to no filter: %d, filter %q", status, w.Filter)
	}
}

// TestPreview: whether a sample or given event matches a spec or a saved
// webhook, with the request exactly as it would be sent.
func TestPreview(t *testing.T) {
	h := newHarness(t)
	url := "https://hooks.example.com/x"
	pii := `event.entity.type == "table" && "PII.Sensitive" in event.entity.tags`
	spec := withFields(hook("pii", url), "eventTypes", []string{"*"}, "filter", pii,
		"payloadFormat", "custom", "template", `{"text": event.entity.name + " changed", "fqn": event.entity.fullyQualifiedName, "hook": webhook.id}`,
		"signature", "openmetadata", "headers", map[string]any{"Authorization": "Bearer t0ken", "X-Team": "data"})
	table := map[string]any{"eventId": "e1", "eventType": "entityUpdated", "timestamp": 1700000000000, "actor": "bob",
		"entity": map[string]any{"id": "t1", "type": "table", "name": "orders", "fullyQualifiedName": "db.sales.orders", "tags": []string{"PII.Sensitive"}}}
	topic := map[string]any{"eventId": "e2", "eventType": "entityUpdated",
		"entity": map[string]any{"id": "t2", "type": "topic", "name": "clicks", "tags": []string{"PII.Sensitive"}}}

	status, out := h.do(adminToken, "POST", "/api/v1/webhooks/preview", map[string]any{"webhook": spec, "event": table})
	if status != http.StatusOK || out["matches"] != true || out["eventType"] != "entityUpdated" {
		t.Fatalf("table: %d %v", status, out)
	}
	req := out["request"].(map[string]any)
	body := req["body"].(string)
	if body != `{"fqn":"db.sales.orders","hook":"wh_preview","text":"orders changed"}` {
		t.Errorf("body %s", body)
	}
	headers := req["headers"].(map[string]any)
	mac := hmac.New(sha256.New, []byte(PreviewSecret))
	mac.Write([]byte(body))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); headers[signature.HeaderOpenMetadataSig] != want {
		t.Errorf("signature %v, want %s over the body with the placeholder secret", headers[signature.HeaderOpenMetadataSig], want)
	}
	if headers["Authorization"] != "[redacted]" || headers["Content-Type"] != "application/json" || headers["Webhook-Id"] == "" {
		t.Errorf("headers %v", headers)
	}
	if out["placeholderSecret"] != PreviewSecret || req["url"] != url || req["method"] != "POST" {
		t.Errorf("preview %v", out)
	}

	if status, out = h.do(adminToken, "POST", "/api/v1/webhooks/preview", map[string]any{"webhook": spec, "event": topic}); status != 200 || out["matches"] != false {
		t.Errorf("topic: %d %v", status, out)
	}

	// A saved (global) webhook by id, with the catalogue's sample of a
	// type; the template fails on it (no such key): the reason the
	// deliverer would dead-letter with.
	id, _ := h.create(adminToken, withFields(hook("card", url), "payloadFormat", "custom",
		"template", `{"card": event.entity.customMetadata["cardTemplateId"]}`))
	status, out = h.do(adminToken, "POST", "/api/v1/webhooks/preview", map[string]any{"id": id, "eventType": "tagAdded"})
	if status != 200 || out["matches"] != true || out["eventType"] != "tagAdded" || !strings.Contains(out["renderError"].(string), "no such key: cardTemplateId") {
		t.Errorf("saved: %d %v", status, out)
	}
	if status, out = h.do(bobToken, "POST", "/api/v1/webhooks/preview", map[string]any{"id": id}); status != 404 {
		t.Errorf("bob previews the admin's: %d %v", status, out)
	}

	// A workflow event, told apart by its fields.
	wf := withFields(hook("wf", url), "eventTypes", []string{"workflowFailed"}, "filter", `event.packageName == "@atlan/dbt"`)
	status, out = h.do(adminToken, "POST", "/api/v1/webhooks/preview", map[string]any{"webhook": wf,
		"event": map[string]any{"eventId": "w1", "workflowName": "nightly", "packageName": "@atlan/dbt", "status": "failed"}})
	if status != 200 || out["matches"] != true || out["eventType"] != "workflowFailed" {
		t.Errorf("workflow: %d %v", status, out)
	}

	// An evaluation error is no match, and says why.
	status, out = h.do(adminToken, "POST", "/api/v1/webhooks/preview", map[string]any{
		"webhook": withFields(hook("m", url), "filter", `event.entity.customMetadata["x"] == "1"`), "eventType": "entityCreated"})
	if status != 200 || out["matches"] != false || !strings.Contains(out["filterError"].(string), "no such key") {
		t.Errorf("filter error: %d %v", status, out)
	}

	for _, bad := range []map[string]any{
		{"eventType": "entityCreated"},
		{"id": id, "webhook": spec},
		{"webhook": spec, "event": table, "eventType": "entityCreated"},
		{"webhook": spec, "eventType": "noSuchType"},
		{"webhook": spec, "event": map[string]any{"eventId": "e", "entity": map[string]any{"nope": 1}}},
	} {
		if status, out := h.do(adminToken, "POST", "/api/v1/webhooks/preview", bad); status != http.StatusBadRequest {
			t.Errorf("%v: %d %v", bad, status, out)
		}
	}
}

// TestTestSendsTheCustomBody: the test endpoint renders the template.
func TestTestSendsTheCustomBody(t *testing.T) {
	h := newHarness(t)
	got := make(chan string, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- string(b):
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	id, _ := h.create(adminToken, withFields(hook("c", rcv.URL), "payloadFormat", "custom", "template", `{"text": event.eventType + " " + event.entity.name}`))
	if status, out := h.do(adminToken, "POST", "/api/v1/webhooks/"+id+"/test", nil); status != 200 || out["success"] != true {
		t.Fatalf("test: %d %v", status, out)
	}
	select {
	case b := <-got:
		if b != `{"text":"entityCreated orders"}` {
			t.Errorf("body %s", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received")
	}
}

// TestCatalogueListsFields: the actions route lists expression fields per kind.
func TestCatalogueListsFields(t *testing.T) {
	h := newHarness(t)
	_, out := h.do(aliceToken, "GET", "/api/v1/webhooks/actions", nil)
	fields, _ := out["fields"].(map[string]any)
	has := func(kind, path string) bool {
		list, _ := fields[kind].([]any)
		for _, f := range list {
			if f.(map[string]any)["path"] == path {
				return true
			}
		}
		return false
	}
	if !has("metadata", "entity.customMetadata") || !has("metadata", "changeDescription.fieldsUpdated[].name") || !has("workflow", "packageName") || has("workflow", "entity") {
		t.Errorf("fields %v", fields)
	}
}
