package api

import (
	"net/http"
	"testing"
)

// TestScopeByRole: without "global" an admin's webhook is global and a
// user's personal; "global": false is honoured; actionType is stored, shown
// (null for both) and kept by a PATCH that does not name it.
func TestScopeByRole(t *testing.T) {
	h := newHarness(t)
	url := "https://a.example.com/hook"
	for _, c := range []struct {
		name, token string
		spec        map[string]any
		global      bool
		actionType  any
	}{
		{"admin, global left out", adminToken, map[string]any{}, true, nil},
		{"admin, global false", adminToken, map[string]any{"global": false}, false, nil},
		{"admin, global null", adminToken, map[string]any{"global": nil}, true, nil},
		{"admin, for alice, global left out", adminToken, map[string]any{"owner": "alice"}, true, nil},
		{"admin, personal, triggered", adminToken, map[string]any{"global": false, "actionType": "triggered"}, false, "triggered"},
		{"admin, personal, empty actionType", adminToken, map[string]any{"global": false, "actionType": ""}, false, nil},
		{"user, global left out", aliceToken, map[string]any{}, false, nil},
		{"user, global false", aliceToken, map[string]any{"global": false}, false, nil},
		{"user, received", aliceToken, map[string]any{"actionType": "received"}, false, "received"},
	} {
		spec := map[string]any{"name": "scope", "url": url}
		for k, v := range c.spec {
			spec[k] = v
		}
		status, out := h.do(c.token, "POST", "/api/v1/webhooks", spec)
		if status != http.StatusCreated {
			t.Errorf("%s: %d %v", c.name, status, out)
			continue
		}
		if out["global"] != c.global || out["actionType"] != c.actionType {
			t.Errorf("%s: view global %v actionType %v, want %v %v", c.name, out["global"], out["actionType"], c.global, c.actionType)
		}
		stored, ok := h.srv.Table().Get(out["id"].(string))
		want, _ := c.actionType.(string)
		if !ok || stored.Global != c.global || stored.ActionType != want {
			t.Errorf("%s: stored global %v actionType %q, want %v %q", c.name, stored.Global, stored.ActionType, c.global, want)
		}
	}

	// A PATCH keeps the scope it does not name; one that removes global
	// gives the default of the role of whoever writes it.
	id, _ := h.create(aliceToken, map[string]any{"name": "mine", "url": url, "actionType": "triggered"})
	for _, p := range []struct {
		body       string
		actionType string
	}{
		{`{"name":"renamed"}`, "triggered"},
		{`{"actionType":"received"}`, "received"},
		{`{"global":null,"actionType":null}`, ""},
	} {
		status, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, p.body, "application/merge-patch+json")
		if stored, _ := h.srv.Table().Get(id); status != http.StatusOK || stored.Global || stored.ActionType != p.actionType {
			t.Errorf("user PATCH %s: %d %v; stored global %v actionType %q", p.body, status, out, stored.Global, stored.ActionType)
		}
	}
	personal, _ := h.create(adminToken, map[string]any{"name": "p", "url": url, "global": false})
	if status, out := h.do(adminToken, "PATCH", "/api/v1/webhooks/"+personal, `{"name":"q"}`, "application/merge-patch+json"); status != 200 || out["global"] != false {
		t.Errorf("admin PATCH of a personal webhook's name made it global: %d %v", status, out)
	}
	if status, out := h.do(adminToken, "PATCH", "/api/v1/webhooks/"+personal, `[{"op":"remove","path":"/global"}]`, "application/json-patch+json"); status != 200 || out["global"] != true {
		t.Errorf("admin removing global: %d %v", status, out)
	}
}

// TestImmutaCreateExample is the request of Immuta's document, as written,
// by an admin: a personal webhook of the admin's own actions.
func TestImmutaCreateExample(t *testing.T) {
	h := newHarness(t)
	status, out := h.do(adminToken, "POST", "/api/v1/webhooks", `{
"webhooks": [
{
"url": "https://demo.service.com/processWebhook",
"name": "ViewMonitorHook",
"global": false,
"notificationType": [
"ALL_NOTIFICATIONS"
],
"actionType": "triggered"
}
]
}`)
	created, _ := out["createdWebhooks"].([]any)
	if status != http.StatusCreated || len(created) != 1 {
		t.Fatalf("%d %v", status, out)
	}
	w := created[0].(map[string]any)
	if w["global"] != false || w["actionType"] != "triggered" || w["owner"] != "admin" {
		t.Errorf("created %v", w)
	}
}

func TestScopeRefusals(t *testing.T) {
	h := newHarness(t)
	url := "https://a.example.com/hook"
	for _, c := range []struct {
		name, token string
		body        any
		status      int
		code, field string
	}{
		{"unknown actionType", aliceToken, map[string]any{"name": "x", "url": url, "actionType": "both"}, 400, "invalid_field", "actionType"},
		{"actionType in another case", aliceToken, map[string]any{"name": "x", "url": url, "actionType": "Triggered"}, 400, "invalid_field", "actionType"},
		{"actionType as a list", aliceToken, map[string]any{"name": "x", "url": url, "actionType": []string{"triggered"}}, 400, "invalid_type", "actionType"},
		{"actionType on an admin's default global", adminToken, map[string]any{"name": "x", "url": url, "actionType": "triggered"}, 400, "invalid_field", "actionType"},
		{"actionType on a global webhook", adminToken, map[string]any{"name": "x", "url": url, "global": true, "actionType": "received"}, 400, "invalid_field", "actionType"},
		{"user's global webhook", aliceToken, map[string]any{"name": "x", "url": url, "global": true}, 403, "forbidden", "global"},
		{"user's workflow-only webhook", aliceToken, map[string]any{"name": "x", "url": url, "eventTypes": []string{"workflowFailed"}}, 400, "invalid_field", "eventTypes"},
		{"admin's personal workflow-only webhook", adminToken, map[string]any{"name": "x", "url": url, "global": false, "eventTypes": []string{"workflowSucceeded", "workflowFailed"}}, 400, "invalid_field", "eventTypes"},
		{"batch item", adminToken, map[string]any{"webhooks": []any{map[string]any{"name": "x", "url": url, "actionType": "received"}}}, 400, "", "webhooks[0].actionType"},
	} {
		status, out := h.do(c.token, "POST", "/api/v1/webhooks", c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, out)
			continue
		}
		if c.code == "" {
			errs, _ := out["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["error"].(map[string]any)["field"] != c.field {
				t.Errorf("%s: errors %v, want one naming %s", c.name, out["errors"], c.field)
			}
			continue
		}
		if code, field := errorOf(t, out); code != c.code || field != c.field {
			t.Errorf("%s: error %s/%q, want %s/%q (%v)", c.name, code, field, c.code, c.field, out)
		}
	}
	if _, list := h.do(adminToken, "GET", "/api/v1/webhooks", nil); list["count"] != 0.0 {
		t.Fatalf("refused requests wrote webhooks: %v", list)
	}
	// Workflow events with others are fine for a personal webhook: the
	// others can concern its owner. Global workflow-only ones are fine.
	h.create(aliceToken, map[string]any{"name": "x", "url": url, "eventTypes": []string{"workflowFailed", "entityCreated"}})
	h.create(adminToken, map[string]any{"name": "x", "url": url, "eventTypes": []string{"workflowFailed"}})
	// A PATCH that makes a personal webhook global must drop its actionType.
	id, _ := h.create(adminToken, map[string]any{"name": "x", "url": url, "global": false, "actionType": "received"})
	status, out := h.do(adminToken, "PATCH", "/api/v1/webhooks/"+id, `{"global":true}`, "application/merge-patch+json")
	if code, field := errorOf(t, out); status != 400 || code != "invalid_field" || field != "actionType" {
		t.Errorf("PATCH global true over actionType: %d %v", status, out)
	}
}
