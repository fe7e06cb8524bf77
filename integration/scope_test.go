package integration

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

const itAliceToken = "it-alice-token-0123456789"

// TestScopeByRoleEndToEnd creates webhooks through the API with the router
// and deliverer running: an admin's webhook without "global" hears every
// matching event, whoever acted; alice's personal ones hear only what
// concerns her, by actionType; a team named alice owns nothing of hers.
func TestScopeByRoleEndToEnd(t *testing.T) {
	env := kafkatest.Start(t)
	router := startRouter(t, env)
	startDeliverer(t, delivererConfig(env))
	cfg := apiConfig(env)
	cfg.TokensFile = filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(cfg.TokensFile, []byte(itAliceToken+" alice user\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := startAPI(t, cfg)

	everyone := newReceiver(t, func(string, int) int { return 200 })
	create := func(token string, spec map[string]any) string {
		t.Helper()
		spec["eventTypes"] = []string{"entityCreated"}
		out := createAs(t, c.url, token, spec)
		id := out["id"].(string)
		kafkatest.WaitFor(t, 10*time.Second, "the router to see "+id, func() error {
			_, ok := router.Table().Get(id)
			return kafkatest.Equal(ok, true)
		})
		return id
	}
	admins := create(itAdminToken, map[string]any{"name": "everyone", "url": everyone.srv.URL})
	received := create(itAliceToken, map[string]any{"name": "received", "url": everyone.srv.URL + "/r", "actionType": "received"})
	both := create(itAliceToken, map[string]any{"name": "both", "url": everyone.srv.URL + "/b"})
	triggered := create(itAdminToken, map[string]any{"name": "triggered", "url": everyone.srv.URL + "/t", "global": false, "actionType": "triggered"})

	ts := watchTasks(t, env)
	event := func(id, actor string, owner *schemas.Owner) string {
		ev := metaEvent("00000000-0000-4000-8000-00000000000"+id, "entityCreated", "table")
		ev.Actor, ev.Entity.Owner = actor, owner
		produceValue(t, env, env.Names.MetadataChanges, ev.Entity.ID, ev)
		return ev.EventID
	}
	bobOnAlices := event("1", "bob", &schemas.Owner{Type: "user", Name: "alice"})
	carolOnTeamAlices := event("2", "carol", &schemas.Owner{Type: "team", Name: "alice"})
	aliceOnCarols := event("3", "alice", &schemas.Owner{Type: "user", Name: "carol"})
	adminOnUnowned := event("4", "admin", nil)
	want := map[string][]string{
		admins:    {bobOnAlices, carolOnTeamAlices, aliceOnCarols, adminOnUnowned},
		received:  {bobOnAlices},
		both:      {bobOnAlices, aliceOnCarols},
		triggered: {adminOnUnowned},
	}
	total := 0
	for _, ids := range want {
		total += len(ids)
	}
	kafkatest.WaitFor(t, 30*time.Second, "every matching task", func() error { return kafkatest.Reached(ts.len(), total) })
	// Let any wrong extra task show up: wait until the router committed
	// every event it was given.
	waitRouted(t, env)
	all, _ := ts.snapshot()
	got := map[string][]string{}
	for _, task := range all {
		got[task.WebhookID] = append(got[task.WebhookID], task.EventID)
	}
	for id, ids := range want {
		slices.Sort(got[id])
		slices.Sort(ids)
		if !slices.Equal(got[id], ids) {
			t.Errorf("webhook %s got events %v, want %v", id, got[id], ids)
		}
	}
	if len(all) != total {
		t.Errorf("%d tasks, want %d: %v", len(all), total, got)
	}
	// The admin's webhook is sent every one of them, not only the admin's.
	kafkatest.WaitFor(t, 30*time.Second, "the admin's webhook to receive all 4", func() error {
		n := 0
		for _, d := range everyone.deliveries() {
			var body struct {
				WebhookID string `json:"webhookId"`
			}
			if json.Unmarshal(d.body, &body) == nil && body.WebhookID == admins {
				n++
			}
		}
		return kafkatest.Equal(n, len(want[admins]))
	})
}

// createAs creates a webhook with token's role and returns the view.
func createAs(t *testing.T, apiURL, token string, spec map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", apiURL+"/api/v1/webhooks", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %v: %d %v %v", spec, resp.StatusCode, out, err)
	}
	return out
}
