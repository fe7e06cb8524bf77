package integration

import (
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// TestControlAPIEndToEnd drives the whole path through the API, with the
// router and deliverer running: create → deliver → history → retry by
// history id → replay → dead letters → redrive, then a restarted API
// rebuilds the same history from hookstream.attempts.
func TestControlAPIEndToEnd(t *testing.T) {
	env := kafkatest.Start(t)
	router := startRouter(t, env)
	startDeliverer(t, delivererConfig(env))
	c, stopAPI := startAPI(t, apiConfig(env))

	good := newReceiver(t, func(string, int) int { return 200 })
	var badHealed atomic.Bool
	bad := newReceiver(t, func(string, int) int {
		if badHealed.Load() {
			return 200
		}
		return 500
	})
	created := c.must(201, "POST", "/api/v1/webhooks", map[string]any{"webhooks": []any{
		map[string]any{"name": "good", "url": good.srv.URL, "global": true, "eventTypes": []string{"tagAdded"}},
		map[string]any{"name": "bad", "url": bad.srv.URL, "global": true, "eventTypes": []string{"tagAdded"}, "maxAttempts": 2},
	}})["createdWebhooks"].([]any)
	if len(created) != 2 {
		t.Fatalf("created %v", created)
	}
	goodID, goodSecret := created[0].(map[string]any)["id"].(string), created[0].(map[string]any)["secret"].(string)
	badID := created[1].(map[string]any)["id"].(string)
	good.mu.Lock()
	good.secrets = []string{goodSecret}
	good.mu.Unlock()
	// Written by the API, read back by the router within a second.
	kafkatest.WaitFor(t, time.Second, "the router to see both webhooks", func() error {
		var missing []string
		for _, id := range []string{goodID, badID} {
			if _, ok := router.Table().Get(id); !ok {
				missing = append(missing, id)
			}
		}
		return kafkatest.Missing(missing)
	})

	start := time.Now().UTC()
	const events = 5
	for i := range events {
		ev := metaEvent(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "tagAdded", "table")
		produceValue(t, env, env.Names.MetadataChanges, ev.Entity.ID, ev)
	}
	kafkatest.WaitFor(t, 30*time.Second, "5 signed deliveries to the good endpoint", func() error { return kafkatest.Equal(len(good.succeeded()), events) })
	for _, d := range good.deliveries() {
		if !d.signedOK {
			t.Fatalf("delivery %s does not verify with the secret the API returned", d.id)
		}
	}
	q := url.Values{"webhookId": {goodID}, "successOrFailure": {"success"}}
	kafkatest.WaitFor(t, 10*time.Second, "5 successes in the history", func() error { return kafkatest.Equal(c.count("/api/v1/webhooks/history?"+q.Encode()), events) })
	kafkatest.WaitFor(t, 30*time.Second, "5 dead letters of the bad webhook", func() error {
		return kafkatest.Equal(c.count("/api/v1/dead-letters?webhookId="+badID), events)
	})
	// The attempts and the dead letters are indexed from two topics: the
	// last attempts may be read a moment after the last dead letter.
	kafkatest.WaitFor(t, 10*time.Second, "the bad webhook's failed attempts in the history (maxAttempts 2)", func() error {
		return kafkatest.Equal(c.count("/api/v1/webhooks/history?webhookId="+badID+"&successOrFailure=failure"), 2*events)
	})
	wh := c.must(200, "GET", "/api/v1/webhooks/"+badID, nil)
	if fd, _ := wh["failureDetails"].(map[string]any); fd == nil || fd["lastFailedStatusCode"] != 500.0 {
		t.Errorf("failureDetails of the bad webhook: %v", wh)
	}

	// Retry by history id: one more delivery, a new webhook-id.
	hist := c.must(200, "GET", "/api/v1/webhooks/history?"+q.Encode()+"&pageSize=1", nil)["records"].([]any)[0].(map[string]any)
	// The attempt record points at its task; the history shows the event
	// read from there.
	if ev, _ := hist["event"].(map[string]any); ev == nil || ev["eventId"] != hist["eventId"] || hist["eventUnavailable"] != nil {
		t.Fatalf("history record without its task's event: %v", hist)
	}
	retried := c.must(202, "POST", "/api/v1/webhooks/history/"+hist["id"].(string)+"/retry", nil)
	kafkatest.WaitFor(t, 30*time.Second, "the retried delivery", func() error {
		return kafkatest.Equal(good.succeeded()[retried["deliveryId"].(string)], 1)
	})

	// Replay: every tagAdded event since start again, to the good webhook only.
	badBefore := bad.count()
	rp := c.must(202, "POST", "/api/v1/webhooks/"+goodID+"/replay", map[string]any{"since": start.Add(-time.Second).Format(time.RFC3339Nano)})
	kafkatest.WaitFor(t, 30*time.Second, "the replay to complete", func() error {
		return kafkatest.Equal(c.must(200, "GET", "/api/v1/webhooks/"+goodID+"/replay/"+rp["id"].(string), nil)["state"], any("completed"))
	})
	kafkatest.WaitFor(t, 30*time.Second, "replayed deliveries", func() error {
		n := 0
		for _, c := range good.succeeded() {
			n += c
		}
		return kafkatest.Equal(n, 2*events+1)
	})
	if bad.count() != badBefore {
		t.Errorf("the replay reached the other webhook: %d requests, had %d", bad.count(), badBefore)
	}

	// Heal the bad endpoint, re-enable (maxAttempts exhausted set it to
	// retryLimitReached, which still delivers) and redrive its dead letters.
	badHealed.Store(true)
	out := c.must(202, "POST", "/api/v1/dead-letters/redrive", map[string]any{"webhookId": badID})
	if out["redriven"] != float64(events) {
		t.Fatalf("redrive: %v", out)
	}
	kafkatest.WaitFor(t, 30*time.Second, "redriven deliveries", func() error { return kafkatest.Equal(len(bad.succeeded()), events) })
	if n := c.count("/api/v1/dead-letters?webhookId=" + badID); n != 0 {
		t.Errorf("%d dead letters left after the redrive", n)
	}

	// A restarted API answers the same.
	kafkatest.WaitFor(t, 10*time.Second, "the history to settle", func() error {
		return kafkatest.Equal(c.count("/api/v1/webhooks/history?webhookId="+badID+"&successOrFailure=success"), events)
	})
	before := c.count("/api/v1/webhooks/history")
	stopAPI()
	c2, _ := startAPI(t, apiConfig(env))
	if after := c2.count("/api/v1/webhooks/history"); after != before {
		t.Errorf("history after a restart: %d records, before %d", after, before)
	}
	if n := c2.count("/api/v1/webhooks/history?" + q.Encode()); n != 2*events+1 {
		t.Errorf("good webhook's successes after a restart: %d, want %d", n, 2*events+1)
	}
}
