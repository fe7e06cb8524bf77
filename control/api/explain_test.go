package api

import (
	"net/http"
	"testing"
)

// TestExplain: the verdicts of the webhooks the caller may read, the
// matching one first, each refusal naming its rule; bad samples are 400s
// naming the field.
func TestExplain(t *testing.T) {
	h := newHarness(t)
	url := "https://a.example.com/hook"
	created := map[string]any{"name": "a-created", "url": url, "eventTypes": []string{"entityCreated"}}
	dashboards := map[string]any{"name": "b-dashboards", "url": url, "filters": map[string]any{"entityTypes": []string{"dashboard"}}}
	sales := map[string]any{"name": "c-sales", "url": url, "filters": map[string]any{"domains": []string{"Sales"}}}
	deleted := map[string]any{"name": "d-deleted", "url": url, "eventTypes": []string{"entityDeleted"}}
	for _, spec := range []map[string]any{created, dashboards, sales, deleted} {
		h.create(adminToken, spec)
	}
	alices, _ := h.create(aliceToken, map[string]any{"name": "alice's", "url": url})

	event := map[string]any{"eventId": "e1", "eventType": "entityCreated", "actor": "bob",
		"entity": map[string]any{"id": "t1", "type": "table", "name": "orders", "domain": "Finance"}}
	status, out := h.do(adminToken, "POST", "/api/v1/webhooks/explain", map[string]any{"event": event})
	if status != http.StatusOK {
		t.Fatalf("explain: %d %v", status, out)
	}
	if out["matched"] != 1.0 {
		t.Errorf("matched %v, want 1 (a-created)", out["matched"])
	}
	want := []struct{ name, rule string }{
		{"a-created", ""}, {"alice's", "scope"}, {"b-dashboards", "entityType"}, {"c-sales", "filter"}, {"d-deleted", "eventType"},
	}
	got, _ := out["webhooks"].([]any)
	if len(got) != len(want) {
		t.Fatalf("webhooks %v, want %d", got, len(want))
	}
	for i, w := range want {
		v := got[i].(map[string]any)
		rule, _ := v["rule"].(string)
		if v["name"] != w.name || rule != w.rule || v["matched"] != (w.rule == "") {
			t.Errorf("verdict %d: %v, want %s refused by %q", i, v, w.name, w.rule)
		}
		if reason, _ := v["reason"].(string); (reason == "") != (w.rule == "") {
			t.Errorf("verdict %d: reason %q with rule %q", i, reason, w.rule)
		}
	}

	// Alice reads only her own webhook; her own action on it matches.
	event["actor"] = "alice"
	status, out = h.do(aliceToken, "POST", "/api/v1/webhooks/explain", map[string]any{"event": event})
	if got, _ := out["webhooks"].([]any); status != http.StatusOK || len(got) != 1 || got[0].(map[string]any)["id"] != alices || got[0].(map[string]any)["matched"] != true {
		t.Errorf("alice: %d %v", status, out)
	}

	workflow := map[string]any{"eventId": "w1", "workflowName": "nightly", "status": "succeeded"}
	if status, out = h.do(adminToken, "POST", "/api/v1/webhooks/explain", map[string]any{"event": workflow}); status != http.StatusOK || out["event"].(map[string]any)["isWorkflow"] != true {
		t.Errorf("workflow: %d %v", status, out)
	}

	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"event": "text"}, "event"},
		{map[string]any{"event": map[string]any{"eventId": "x"}}, "event"},
		{map[string]any{"event": map[string]any{"entity": map[string]any{}}}, "event.eventType"},
		{map[string]any{"sample": event}, "sample"},
	} {
		status, out := h.do(adminToken, "POST", "/api/v1/webhooks/explain", c.body)
		if status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", c.body, status)
			continue
		}
		if _, field := errorOf(t, out); field != c.field {
			t.Errorf("%v: field %q, want %q", c.body, field, c.field)
		}
	}
}
