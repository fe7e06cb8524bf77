package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/control/deadletter"
	"github.com/hookstream/hookstream/platform/kafkatest"
)

// notListed is what a list or an "all" request came to when the webhook
// under test was not in its answer.
const notListed = -1

// authzCase is one route's answers to admin, the webhook's owner (alice)
// and another user (bob), for a personal and for a global webhook.
type authzCase struct {
	route string // "METHOD pattern" of Routes
	name  string
	// do makes the request about webhook id as token and returns its
	// status, or for lists what listed reports.
	do               func(h *harness, token, id string) int
	personal, global [3]int // admin, owner, other
}

// TestAuthorizationTable: every route × {admin, owner, other user} ×
// {personal, global webhook}. Admins do everything; an owner reads a global
// webhook an admin made for them but changes or acts on nothing of it (403);
// another user meets a 404, as if the webhook did not exist.
func TestAuthorizationTable(t *testing.T) {
	h := newHarness(t)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer rcv.Close()
	status := func(h *harness, token, method, path string, body any) int {
		st, _ := h.do(token, method, path, body)
		return st
	}
	listed := func(h *harness, token, path, id string) int {
		st, out := h.do(token, "GET", path, nil)
		if st != 200 {
			return st
		}
		for _, r := range out["records"].([]any) {
			m := r.(map[string]any)
			if m["id"] == id || m["webhookId"] == id {
				return 200
			}
		}
		return notListed
	}
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	var (
		anyone       = [3]int{200, 200, 200}
		readers      = [3]int{200, 200, 404}
		listReaders  = [3]int{200, 200, notListed}
		managers     = func(ok int) [3]int { return [3]int{ok, ok, 404} }
		adminsOnly   = func(ok int) [3]int { return [3]int{ok, 403, 404} }
		createGlobal = [3]int{201, 403, 403}
		// previewing a global spec is creating one, without the save
		createGlobal200 = [3]int{200, 403, 403}
	)
	cases := []authzCase{
		{route: "POST /api/v1/webhooks", name: "create for alice", do: func(h *harness, token, id string) int {
			w, _ := h.srv.Table().Get(id)
			return status(h, token, "POST", "/api/v1/webhooks", map[string]any{"name": "n", "url": rcv.URL, "owner": "alice", "global": w.Global})
		}, personal: [3]int{201, 201, 403}, global: createGlobal},
		{route: "GET /api/v1/webhooks", do: func(h *harness, token, id string) int {
			return listed(h, token, "/api/v1/webhooks?pageSize=1000", id)
		}, personal: listReaders, global: listReaders},
		{route: "GET /api/v1/webhooks/actions", do: func(h *harness, token, _ string) int {
			return status(h, token, "GET", "/api/v1/webhooks/actions", nil)
		}, personal: anyone, global: anyone},
		{route: "POST /api/v1/webhooks/validate", do: func(h *harness, token, _ string) int {
			return status(h, token, "POST", "/api/v1/webhooks/validate", map[string]any{"url": rcv.URL})
		}, personal: anyone, global: anyone},
		{route: "POST /api/v1/webhooks/explain", do: func(h *harness, token, id string) int {
			st, out := h.do(token, "POST", "/api/v1/webhooks/explain", map[string]any{"event": map[string]any{"eventType": "entityCreated", "entity": map[string]any{"type": "table"}}})
			if st != 200 {
				return st
			}
			for _, v := range out["webhooks"].([]any) {
				if v.(map[string]any)["id"] == id {
					return 200
				}
			}
			return notListed
		}, personal: listReaders, global: listReaders},
		{route: "POST /api/v1/webhooks/preview", name: "saved webhook", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/webhooks/preview", map[string]any{"id": id, "eventType": "entityCreated"})
		}, personal: managers(200), global: adminsOnly(200)},
		{route: "POST /api/v1/webhooks/preview", name: "spec for alice", do: func(h *harness, token, id string) int {
			w, _ := h.srv.Table().Get(id)
			return status(h, token, "POST", "/api/v1/webhooks/preview", map[string]any{"webhook": map[string]any{"name": "n", "url": rcv.URL, "owner": "alice", "global": w.Global}})
		}, personal: [3]int{200, 200, 403}, global: createGlobal200},
		{route: "GET /api/v1/webhooks/history", do: func(h *harness, token, id string) int {
			h.attemptFor(id)
			return listed(h, token, "/api/v1/webhooks/history?webhookId="+id, id)
		}, personal: listReaders, global: listReaders},
		{route: "POST /api/v1/webhooks/history/{id}/retry", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/webhooks/history/"+h.attemptFor(id)+"/retry", nil)
		}, personal: managers(202), global: adminsOnly(202)},
		{route: "POST /api/v1/webhooks/history/retry/{id}", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/webhooks/history/retry/"+h.attemptFor(id), nil)
		}, personal: managers(202), global: adminsOnly(202)},
		{route: "GET /api/v1/webhooks/{id}", do: func(h *harness, token, id string) int {
			return status(h, token, "GET", "/api/v1/webhooks/"+id, nil)
		}, personal: readers, global: readers},
		{route: "PATCH /api/v1/webhooks/{id}", name: "url and filters", do: func(h *harness, token, id string) int {
			return status(h, token, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"url": rcv.URL + "/moved", "filters": map[string]any{"tags": []string{"PII"}}})
		}, personal: managers(200), global: adminsOnly(200)},
		{route: "PATCH /api/v1/webhooks/{id}", name: "global false", do: func(h *harness, token, id string) int {
			return status(h, token, "PATCH", "/api/v1/webhooks/"+id, `[{"op":"replace","path":"/global","value":false}]`)
		}, personal: managers(200), global: adminsOnly(200)},
		{route: "DELETE /api/v1/webhooks/{id}", do: func(h *harness, token, id string) int {
			return status(h, token, "DELETE", "/api/v1/webhooks/"+id, nil)
		}, personal: managers(204), global: adminsOnly(204)},
		{route: "POST /api/v1/webhooks/{id}/test", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/webhooks/"+id+"/test", nil)
		}, personal: managers(200), global: adminsOnly(200)},
		{route: "POST /api/v1/webhooks/{id}/rotate-secret", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/webhooks/"+id+"/rotate-secret", nil)
		}, personal: managers(200), global: adminsOnly(200)},
		{route: "POST /api/v1/webhooks/{id}/replay", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/webhooks/"+id+"/replay", map[string]any{"since": since})
		}, personal: managers(202), global: adminsOnly(202)},
		{route: "GET /api/v1/webhooks/{id}/replay/{replayId}", do: func(h *harness, token, id string) int {
			st, out := h.do(adminToken, "POST", "/api/v1/webhooks/"+id+"/replay", map[string]any{"since": since})
			if st != http.StatusAccepted {
				h.t.Fatalf("admin replay: %d %v", st, out)
			}
			return status(h, token, "GET", "/api/v1/webhooks/"+id+"/replay/"+out["id"].(string), nil)
		}, personal: readers, global: readers},
		{route: "GET /api/v1/dead-letters", do: func(h *harness, token, id string) int {
			h.deadLetterFor(id)
			st, out := h.do(token, "GET", "/api/v1/dead-letters?webhookId="+id, nil)
			if st == 200 && out["count"] == 0.0 {
				return notListed
			}
			return st
		}, personal: listReaders, global: listReaders},
		{route: "POST /api/v1/dead-letters/redrive", name: "webhookId", do: func(h *harness, token, id string) int {
			h.deadLetterFor(id)
			return status(h, token, "POST", "/api/v1/dead-letters/redrive", map[string]any{"webhookId": id})
		}, personal: managers(202), global: adminsOnly(202)},
		{route: "POST /api/v1/dead-letters/redrive", name: "ids", do: func(h *harness, token, id string) int {
			return status(h, token, "POST", "/api/v1/dead-letters/redrive", map[string]any{"ids": []string{h.deadLetterFor(id)}})
		}, personal: managers(202), global: adminsOnly(202)},
		{route: "POST /api/v1/dead-letters/redrive", name: "all", do: func(h *harness, token, id string) int {
			dl := h.deadLetterFor(id)
			st, out := h.do(token, "POST", "/api/v1/dead-letters/redrive", map[string]any{"all": true})
			if st == http.StatusAccepted && !slices.Contains(out["ids"].([]any), any(dl)) {
				return notListed
			}
			return st
		}, personal: [3]int{202, 202, notListed}, global: [3]int{202, notListed, notListed}},
	}

	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.route] = true
	}
	for _, rt := range h.srv.Routes() {
		if !covered[rt.Method+" "+rt.Pattern] {
			t.Errorf("route %s %s is not in the authorization table", rt.Method, rt.Pattern)
		}
	}

	tokens := [3]struct{ who, token string }{{"admin", adminToken}, {"owner", aliceToken}, {"other", bobToken}}
	for _, c := range cases {
		for _, global := range []bool{false, true} {
			want, kind := c.personal, "personal"
			if global {
				want, kind = c.global, "global"
			}
			for i, tk := range tokens {
				// A fresh webhook each time: some routes delete or change it.
				id, _ := h.create(adminToken, map[string]any{"name": "authz", "url": rcv.URL, "owner": "alice", "global": global, "eventTypes": []string{"entityCreated"}})
				before, _ := h.srv.Table().Get(id)
				got := c.do(h, tk.token, id)
				if got != want[i] {
					t.Errorf("%s %s, %s webhook, as %s: %d, want %d", c.route, c.name, kind, tk.who, got, want[i])
				}
				if got == 403 || got == 404 {
					after, ok := h.srv.Table().Get(id)
					if !ok || !after.UpdatedAt.Equal(before.UpdatedAt) || after.URL != before.URL || after.Global != before.Global ||
						!slices.Equal(after.EncryptedSecret, before.EncryptedSecret) {
						t.Errorf("%s %s, %s webhook, as %s: refused, yet the webhook changed", c.route, c.name, kind, tk.who)
					}
				}
			}
		}
	}

	// The refusal says why, and names the field.
	id, _ := h.create(adminToken, map[string]any{"name": "g", "url": rcv.URL, "owner": "alice", "global": true})
	st, out := h.do(aliceToken, "PATCH", "/api/v1/webhooks/"+id, map[string]any{"global": false})
	if code, field := errorOf(t, out); st != 403 || code != "forbidden" || field != "global" || !strings.Contains(out["error"].(map[string]any)["message"].(string), "only admins") {
		t.Errorf("owner un-globals: %d %v", st, out)
	}
}

// attemptFor writes an attempt record of webhook id (once) and returns its
// history id once the index holds it.
func (h *harness) attemptFor(id string) string {
	h.t.Helper()
	aid := "att-" + id
	if _, ok, _ := h.srv.history.Get(aid); !ok {
		h.produce(h.env.Names.Attempts, id, attempt(aid, id, "success", 200, time.Now().UTC().Truncate(time.Millisecond)))
		kafkatest.WaitFor(h.t, 10*time.Second, "attempt "+aid+" in the history", func() error {
			if _, ok, _ := h.srv.history.Get(aid); !ok {
				return kafkatest.Missing([]string{aid})
			}
			return nil
		})
	}
	return aid
}

// deadLetterFor writes a dead letter of webhook id (once) and returns its
// id once the index holds it.
func (h *harness) deadLetterFor(id string) string {
	h.t.Helper()
	find := func() string {
		_, es := h.srv.deadLetters.Find(deadletter.Query{WebhookID: id, IncludeRedriven: true})
		if len(es) == 0 {
			return ""
		}
		return es[0].ID
	}
	if dl := find(); dl != "" {
		return dl
	}
	h.produce(h.env.Names.DeadLetters, id, deadLetter(id, fmt.Sprintf("msg_dl_%s", id), time.Now().UTC().Truncate(time.Millisecond)))
	kafkatest.WaitFor(h.t, 10*time.Second, "a dead letter of "+id, func() error {
		if find() == "" {
			return fmt.Errorf("no dead letter of %s in the index", id)
		}
		return nil
	})
	return find()
}
