package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/control/history"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// tasks collects the delivery tasks written to the deliveries topic.
type tasks struct {
	mu  sync.Mutex
	all []schemas.DeliveryTask
}

func (h *harness) watchDeliveries() *tasks {
	h.t.Helper()
	ts := &tasks{}
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.env.Brokers...), kgo.ConsumeTopics(h.env.Names.Deliveries),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				var t schemas.DeliveryTask
				if h.env.Serde.Decode(ctx, r.Value, &t) == nil {
					ts.mu.Lock()
					ts.all = append(ts.all, t)
					ts.mu.Unlock()
				}
			})
		}
	}()
	h.t.Cleanup(func() { cancel(); <-done; cl.Close() })
	return ts
}

func (ts *tasks) where(f func(schemas.DeliveryTask) bool) []schemas.DeliveryTask {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []schemas.DeliveryTask
	for _, t := range ts.all {
		if f(t) {
			out = append(out, t)
		}
	}
	return out
}

func attempt(id, webhookID, outcome string, status int32, at time.Time) *schemas.DeliveryAttempt {
	return &schemas.DeliveryAttempt{
		AttemptID: id, DeliveryID: "msg_" + id, WebhookID: webhookID, EventID: "evt-" + id, EventType: "entityCreated",
		Attempt: 1, Tier: "deliveries", Outcome: outcome, StatusCode: status, LatencyMs: int64(status),
		RequestHeaders: map[string]string{"Webhook-Id": "msg_" + id}, Event: `{"eventId":"evt-` + id + `","eventType":"entityCreated"}`,
		Timestamp: at,
	}
}

func TestHistoryFiltersPagesAndRetries(t *testing.T) {
	h := newHarness(t)
	alice, _ := h.create(aliceToken, hook("a", "https://a.example.com/a"))
	bob, _ := h.create(bobToken, hook("b", "https://a.example.com/b"))
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range 10 {
		outcome, status := "success", int32(200)
		if i%3 == 0 {
			outcome, status = "retry", 500
		}
		h.produce(h.env.Names.Attempts, alice, attempt(fmt.Sprintf("a%02d", i), alice, outcome, status, base.Add(time.Duration(i)*time.Minute)))
	}
	h.produce(h.env.Names.Attempts, bob, attempt("b00", bob, "success", 200, base))
	kafkatest.WaitFor(t, 10*time.Second, "11 attempts in the index", func() error {
		_, out := h.do(adminToken, "GET", "/api/v1/webhooks/history", nil)
		return kafkatest.Named("count", kafkatest.Equal(out["count"], any(11.0)))
	})
	query := func(token string, q url.Values) (float64, []map[string]any) {
		t.Helper()
		status, out := h.do(token, "GET", "/api/v1/webhooks/history?"+q.Encode(), nil)
		if status != 200 {
			t.Fatalf("history?%s: %d %v", q.Encode(), status, out)
		}
		var recs []map[string]any
		for _, r := range out["records"].([]any) {
			recs = append(recs, r.(map[string]any))
		}
		return out["count"].(float64), recs
	}
	if n, recs := query(aliceToken, nil); n != 10 || len(recs) != 10 || recs[0]["id"] != "a09" {
		t.Errorf("alice's history: %v records, first %v (want newest first)", n, recs[0]["id"])
	}
	if n, _ := query(bobToken, url.Values{"webhookId": {alice}}); n != 0 {
		t.Errorf("bob sees %v of alice's attempts", n)
	}
	if n, _ := query(aliceToken, url.Values{"successOrFailure": {"failure"}}); n != 4 {
		t.Errorf("failures: %v, want 4", n)
	}
	if n, _ := query(adminToken, url.Values{"successOrFailure": {"success"}, "webhookId": {alice}}); n != 6 {
		t.Errorf("successes: %v, want 6", n)
	}
	since, until := base.Add(2*time.Minute).Format(time.RFC3339Nano), base.Add(5*time.Minute).Format(time.RFC3339Nano)
	if n, _ := query(aliceToken, url.Values{"since": {since}, "until": {until}}); n != 3 {
		t.Errorf("[since, until): %v, want 3", n)
	}
	n, recs := query(aliceToken, url.Values{"sortField": {"statusCode"}, "sortOrder": {"asc"}, "offset": {"2"}, "pageSize": {"3"}})
	if n != 10 || len(recs) != 3 || recs[0]["statusCode"] != 200.0 || recs[0]["event"].(map[string]any)["eventId"] == nil {
		t.Errorf("page: %v %v", n, recs)
	}
	for q, field := range map[string]string{"successOrFailure=maybe": "successOrFailure", "since=yesterday": "since", "sortField=colour": "sortField"} {
		status, out := h.do(aliceToken, "GET", "/api/v1/webhooks/history?"+q, nil)
		if _, f := errorOf(t, out); status != 400 || f != field {
			t.Errorf("%s: %d %q", q, status, f)
		}
	}

	// Retry by history id: a new delivery of the same event, linked.
	deliveries := h.watchDeliveries()
	if status, _ := h.do(bobToken, "POST", "/api/v1/webhooks/history/a03/retry", nil); status != 404 {
		t.Errorf("bob retries alice's attempt: %d", status)
	}
	if status, _ := h.do(aliceToken, "POST", "/api/v1/webhooks/history/nope/retry", nil); status != 404 {
		t.Errorf("unknown history id: %d", status)
	}
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/history/a03/retry", nil)
	if status != http.StatusAccepted || out["originalDeliveryId"] != "msg_a03" {
		t.Fatalf("retry: %d %v", status, out)
	}
	kafkatest.WaitFor(t, 10*time.Second, "the retried task", func() error {
		return kafkatest.Equal(len(deliveries.where(func(d schemas.DeliveryTask) bool { return d.OriginalDeliveryID == "msg_a03" })), 1)
	})
	task := deliveries.where(func(d schemas.DeliveryTask) bool { return d.OriginalDeliveryID == "msg_a03" })[0]
	if task.WebhookID != alice || task.Attempt != 1 || task.EventID != "evt-a03" || !strings.Contains(task.Event, "evt-a03") || task.DeliveryID == "msg_a03" {
		t.Errorf("retried task: %+v", task)
	}

	// A second API process (or this one restarted) rebuilds the same index.
	first := h.srv
	h.start()
	if h.srv == first {
		t.Fatal("no new server")
	}
	if n, recs := query(aliceToken, url.Values{"successOrFailure": {"failure"}}); n != 4 || recs[0]["id"] != "a09" {
		t.Errorf("after a restart: %v failures, first %v", n, recs)
	}
}

// An attempt that points at its task shows the task's event, read from the
// task topic; one whose task is gone says so, is still listed, and is not
// redelivered with an empty event.
func TestHistoryReadsEventsFromTasks(t *testing.T) {
	h := newHarness(t)
	alice, _ := h.create(aliceToken, hook("a", "https://a.example.com/a"))
	at := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	task := schemas.DeliveryTask{DeliveryID: "msg_p0", WebhookID: alice, EventID: "evt-p0", EventType: "entityCreated",
		Event: `{"eventId":"evt-p0","eventType":"entityCreated"}`, EventTime: at, RoutedAt: at, Attempt: 1, NotBefore: at}
	b, err := h.env.Serde.Encode(&task)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := h.env.Admin.ProduceSync(context.Background(), &kgo.Record{Topic: h.env.Names.Deliveries, Key: []byte(alice), Value: b}).First()
	if err != nil {
		t.Fatal(err)
	}
	// A foreign producer's task whose event is not JSON.
	bad := task
	bad.DeliveryID, bad.Event = "msg_p3", `{"eventId":`
	if b, err = h.env.Serde.Encode(&bad); err != nil {
		t.Fatal(err)
	}
	br, err := h.env.Admin.ProduceSync(context.Background(), &kgo.Record{Topic: h.env.Names.Deliveries, Key: []byte(alice), Value: b}).First()
	if err != nil {
		t.Fatal(err)
	}
	pointing := func(id string, topic string, partition int32, offset int64) *schemas.DeliveryAttempt {
		a := attempt(id, alice, "success", 200, at)
		a.Event = ""
		a.TaskTopic, a.TaskPartition, a.TaskOffset = topic, partition, offset
		return a
	}
	h.produce(h.env.Names.Attempts, alice, pointing("p0", tr.Topic, tr.Partition, tr.Offset))
	// Retention took p1's task (DeleteRecords stands in for it).
	gr, err := h.env.Admin.ProduceSync(context.Background(), &kgo.Record{Topic: h.env.Names.Tiers[0].Topic, Key: []byte(alice), Value: b}).First()
	if err != nil {
		t.Fatal(err)
	}
	var upTo kadm.Offsets
	upTo.Add(kadm.Offset{Topic: gr.Topic, Partition: gr.Partition, At: gr.Offset + 1})
	if _, err := kadm.NewClient(h.env.Admin).DeleteRecords(context.Background(), upTo); err != nil {
		t.Fatal(err)
	}
	h.produce(h.env.Names.Attempts, alice, pointing("p1", gr.Topic, gr.Partition, gr.Offset))
	// The offset holds another delivery's task (the topic was made again).
	h.produce(h.env.Names.Attempts, alice, pointing("p2", tr.Topic, tr.Partition, tr.Offset))
	h.produce(h.env.Names.Attempts, alice, pointing("p3", br.Topic, br.Partition, br.Offset))
	// A foreign producer's attempt pointing outside the task topics.
	h.produce(h.env.Names.Attempts, alice, pointing("p4", h.env.Names.Subscriptions, 0, 0))
	kafkatest.WaitFor(t, 10*time.Second, "5 attempts in the index", func() error {
		_, out := h.do(adminToken, "GET", "/api/v1/webhooks/history", nil)
		return kafkatest.Named("count", kafkatest.Equal(out["count"], any(5.0)))
	})
	status, out := h.do(aliceToken, "GET", "/api/v1/webhooks/history?sortField=webhookId", nil)
	if status != http.StatusOK {
		t.Fatalf("history: %d %v", status, out)
	}
	byID := map[string]map[string]any{}
	for _, r := range out["records"].([]any) {
		byID[r.(map[string]any)["id"].(string)] = r.(map[string]any)
	}
	if ev, _ := byID["p0"]["event"].(map[string]any); ev == nil || ev["eventId"] != "evt-p0" || byID["p0"]["eventUnavailable"] != nil {
		t.Errorf("p0, its task in the log: %v", byID["p0"])
	}
	for _, id := range []string{"p1", "p2"} {
		if byID[id]["event"] != nil || !strings.Contains(fmt.Sprint(byID[id]["eventUnavailable"]), "no longer in") {
			t.Errorf("%s, its task gone: %v", id, byID[id])
		}
	}
	if byID["p3"]["event"] != nil || byID["p3"]["eventUnavailable"] != "the task's event is not JSON" {
		t.Errorf("p3, its task's event not JSON: %v", byID["p3"])
	}
	if byID["p4"]["event"] != nil || !strings.Contains(fmt.Sprint(byID["p4"]["eventUnavailable"]), "not a task topic") {
		t.Errorf("p4, pointing at the subscriptions topic: %v", byID["p4"])
	}
	deliveries := h.watchDeliveries()
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/history/p1/retry", nil); status != http.StatusConflict {
		t.Errorf("retry of an attempt whose task is gone: %d %v", status, out)
	}
	if status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/history/p0/retry", nil); status != http.StatusAccepted {
		t.Fatalf("retry of p0: %d %v", status, out)
	}
	kafkatest.WaitFor(t, 10*time.Second, "the retried task", func() error {
		return kafkatest.Equal(len(deliveries.where(func(d schemas.DeliveryTask) bool { return d.OriginalDeliveryID == "msg_p0" })), 1)
	})
	if got := deliveries.where(func(d schemas.DeliveryTask) bool { return d.OriginalDeliveryID == "msg_p0" })[0]; got.Event != task.Event {
		t.Errorf("retried event %q, want %q", got.Event, task.Event)
	}
}

func deadLetter(webhookID, deliveryID string, at time.Time) *schemas.DeadLetter {
	return &schemas.DeadLetter{
		Task: schemas.DeliveryTask{DeliveryID: deliveryID, WebhookID: webhookID, EventID: "evt-" + deliveryID, EventType: "tagAdded",
			Event: `{"eventId":"evt-` + deliveryID + `"}`, EventTime: at, RoutedAt: at, Attempt: 7, NotBefore: at, LastError: "HTTP 500"},
		Reason: "HTTP 500", LastStatusCode: 500, Attempts: 7, DeadLetteredAt: at,
	}
}

func TestDeadLettersListAndRedrive(t *testing.T) {
	h := newHarness(t)
	alice, _ := h.create(aliceToken, hook("a", "https://a.example.com/a"))
	bob, _ := h.create(bobToken, hook("b", "https://a.example.com/b"))
	at := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 3 {
		h.produce(h.env.Names.DeadLetters, alice, deadLetter(alice, fmt.Sprintf("msg_a%d", i), at.Add(time.Duration(i)*time.Second)))
	}
	h.produce(h.env.Names.DeadLetters, bob, deadLetter(bob, "msg_b0", at))
	kafkatest.WaitFor(t, 10*time.Second, "4 dead letters", func() error {
		_, out := h.do(adminToken, "GET", "/api/v1/dead-letters", nil)
		return kafkatest.Named("count", kafkatest.Equal(out["count"], any(4.0)))
	})
	_, out := h.do(aliceToken, "GET", "/api/v1/dead-letters", nil)
	recs := out["records"].([]any)
	if out["count"] != 3.0 || recs[0].(map[string]any)["deliveryId"] != "msg_a2" || recs[0].(map[string]any)["reason"] != "HTTP 500" {
		t.Fatalf("alice's dead letters: %v", out)
	}
	if _, out := h.do(aliceToken, "GET", "/api/v1/dead-letters?sortOrder=asc&pageSize=1", nil); out["records"].([]any)[0].(map[string]any)["deliveryId"] != "msg_a0" {
		t.Errorf("oldest first: %v", out)
	}
	if _, out := h.do(adminToken, "GET", "/api/v1/dead-letters?webhookId="+bob+"&pageSize=1", nil); out["count"] != 1.0 {
		t.Errorf("bob's via filter: %v", out)
	}
	deliveries := h.watchDeliveries()
	firstID := recs[2].(map[string]any)["id"].(string) // msg_a0

	for _, c := range []struct {
		name, token string
		body        any
		status      int
	}{
		{"nothing chosen", aliceToken, map[string]any{}, 400},
		{"two chosen", aliceToken, map[string]any{"all": true, "webhookId": alice}, 400},
		{"another's webhook", bobToken, map[string]any{"webhookId": alice}, 404},
		{"another's ids", bobToken, map[string]any{"ids": []string{firstID}}, 404},
		{"unknown field", aliceToken, map[string]any{"everything": true}, 400},
	} {
		if status, out := h.do(c.token, "POST", "/api/v1/dead-letters/redrive", c.body); status != c.status {
			t.Errorf("%s: %d, want %d (%v)", c.name, status, c.status, out)
		}
	}
	status, out := h.do(aliceToken, "POST", "/api/v1/dead-letters/redrive", map[string]any{"ids": []string{firstID}})
	if status != http.StatusAccepted || out["redriven"] != 1.0 {
		t.Fatalf("redrive by id: %d %v", status, out)
	}
	status, out = h.do(aliceToken, "POST", "/api/v1/dead-letters/redrive", map[string]any{"all": true})
	if status != http.StatusAccepted || out["redriven"] != 2.0 {
		t.Fatalf("redrive all of alice's: %d %v", status, out)
	}
	kafkatest.WaitFor(t, 10*time.Second, "3 redriven tasks", func() error {
		return kafkatest.Equal(len(deliveries.where(func(d schemas.DeliveryTask) bool { return d.WebhookID == alice })), 3)
	})
	for _, d := range deliveries.where(func(d schemas.DeliveryTask) bool { return true }) {
		if d.WebhookID != alice || d.Attempt != 1 || d.LastError != "" || !strings.HasPrefix(d.DeliveryID, "msg_a") {
			t.Errorf("redriven task: %+v", d)
		}
	}
	if _, out := h.do(aliceToken, "GET", "/api/v1/dead-letters", nil); out["count"] != 0.0 {
		t.Errorf("redriven dead letters still listed: %v", out)
	}
	// The markers are in the topic: a restarted API knows what was redriven.
	h.start()
	if _, out := h.do(adminToken, "GET", "/api/v1/dead-letters", nil); out["count"] != 1.0 {
		t.Errorf("after a restart: %v, want only bob's", out)
	}
	_, out = h.do(aliceToken, "GET", "/api/v1/dead-letters?includeRedriven=true", nil)
	if out["count"] != 3.0 || out["records"].([]any)[0].(map[string]any)["redrivenAt"] == nil {
		t.Errorf("includeRedriven: %v", out)
	}
}

func TestReplayRoutesARangeToOneWebhook(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, map[string]any{"name": "r", "url": "https://a.example.com/r", "eventTypes": []string{"tagAdded"}})
	other, _ := h.create(aliceToken, map[string]any{"name": "o", "url": "https://a.example.com/o"})
	start := time.Now().UTC()
	for i := range 12 {
		ty := "tagAdded"
		if i%3 == 0 {
			ty = "entityCreated"
		}
		h.produce(h.env.Names.MetadataChanges, fmt.Sprintf("e%d", i), &schemas.MetadataChangeEvent{
			EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), EventType: ty, Timestamp: time.Now().UnixMilli(), Actor: "alice",
			Entity: schemas.Entity{ID: fmt.Sprintf("e%d", i), Type: "table", Name: "t", Tags: []string{}, CustomMetadata: map[string]string{}},
		})
	}
	h.produce(h.env.Names.WorkflowCompletion, "w", &schemas.WorkflowCompletionEvent{EventID: "00000000-0000-4000-8000-999999999999", Status: "failed",
		FailedSteps: []string{}, RunningSteps: []string{}, LastThreeRuns: []string{}, PotentialIssues: []string{}})
	deliveries := h.watchDeliveries()

	for body, field := range map[string]string{`{}`: "since", `{"since":"2026-01-01T00:00:00Z","until":"2025-01-01T00:00:00Z"}`: "until", `{"since":"3026-01-01T00:00:00Z"}`: "since", `{"since":"1969-12-31T23:59:59.999Z"}`: "since",
		`{"since":"yesterday"}`: "since", `{"since":"2026-01-01T00:00:00Z","until":"tomorrow"}`: "until", `{"since":"2026-01-01"}`: "since", `{"since":5}`: "since"} {
		status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/"+id+"/replay", body)
		if _, f := errorOf(t, out); status != 400 || f != field {
			t.Errorf("%s: %d %q", body, status, f)
		}
		if msg := out["error"].(map[string]any)["message"].(string); strings.Contains(msg, "parsing time") || strings.Contains(msg, "2006") {
			t.Errorf("%s: the message is the parser's: %q", body, msg)
		}
	}
	status, out := h.do(aliceToken, "POST", "/api/v1/webhooks/"+id+"/replay", map[string]any{"since": start.Add(-time.Minute).Format(time.RFC3339Nano)})
	if status != http.StatusAccepted {
		t.Fatalf("replay: %d %v", status, out)
	}
	path := "/api/v1/webhooks/" + id + "/replay/" + out["id"].(string)
	kafkatest.WaitFor(t, 20*time.Second, "the replay to complete", func() error {
		if _, p := h.do(aliceToken, "GET", path, nil); p["state"] == "running" {
			return fmt.Errorf("progress %v", p)
		}
		return nil
	})
	_, p := h.do(aliceToken, "GET", path, nil)
	if p["state"] != "completed" || p["total"] != 13.0 || p["scanned"] != 13.0 || p["matched"] != 8.0 {
		t.Fatalf("progress: %v", p)
	}
	kafkatest.WaitFor(t, 10*time.Second, "8 replayed tasks", func() error {
		return kafkatest.Equal(len(deliveries.where(func(d schemas.DeliveryTask) bool { return d.ReplayID == p["id"] })), 8)
	})
	for _, d := range deliveries.where(func(schemas.DeliveryTask) bool { return true }) {
		if d.WebhookID != id || d.EventType != "tagAdded" {
			t.Errorf("replayed to the wrong webhook or type: %+v", d)
		}
	}
	if status, _ := h.do(bobToken, "GET", path, nil); status != 404 {
		t.Errorf("bob reads alice's replay: %d", status)
	}
	if status, _ := h.do(aliceToken, "GET", "/api/v1/webhooks/"+other+"/replay/"+p["id"].(string), nil); status != 404 {
		t.Errorf("replay read under another webhook: %d", status)
	}
}

func TestHistoryImmutaParametersAndCursor(t *testing.T) {
	h := newHarness(t)
	personal, _ := h.create(aliceToken, hook("p", "https://a.example.com/p"))
	global, _ := h.create(adminToken, map[string]any{"name": "g", "url": "https://a.example.com/g", "global": true})
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range 5 {
		a := attempt(fmt.Sprintf("p%d", i), personal, "success", 200, base.Add(time.Duration(i)*time.Second))
		if i%2 == 0 {
			a.EventType = "tagAdded"
		}
		h.produce(h.env.Names.Attempts, personal, a)
	}
	h.produce(h.env.Names.Attempts, global, attempt("g0", global, "success", 200, base))
	kafkatest.WaitFor(t, 10*time.Second, "6 attempts in the index", func() error {
		_, out := h.do(adminToken, "GET", "/api/v1/webhooks/history", nil)
		return kafkatest.Equal(out["count"], any(6.0))
	})
	for q, want := range map[string]float64{
		"notificationType=tagAdded": 3, "notificationType=tagAdded&eventType=tagAdded": 3,
		"includeGlobal=false": 5, "includeUser=false": 1, "includeGlobal=false&includeUser=false": 0,
	} {
		status, out := h.do(adminToken, "GET", "/api/v1/webhooks/history?"+q, nil)
		if status != 200 || out["count"] != want {
			t.Errorf("%s: %d %v, want %v", q, status, out["count"], want)
		}
	}
	for q, field := range map[string]string{
		"colour=red": "colour", "notificationType=a&eventType=b": "notificationType", "includeGlobal=yes": "includeGlobal",
		"includeUser=1": "includeUser", "cursor=!!": "cursor", "cursor=abc&sortField=statusCode": "cursor",
	} {
		status, out := h.do(adminToken, "GET", "/api/v1/webhooks/history?"+q, nil)
		if _, f := errorOf(t, out); status != 400 || f != field {
			t.Errorf("%s: %d %q, want 400 naming %s", q, status, f, field)
		}
	}
	// A cursor pages through alice's five with no repeat and no gap.
	var seen []string
	next := ""
	for range 5 {
		_, out := h.do(aliceToken, "GET", "/api/v1/webhooks/history?pageSize=2&cursor="+next, nil)
		for _, r := range out["records"].([]any) {
			seen = append(seen, r.(map[string]any)["id"].(string))
		}
		c, _ := out["nextCursor"].(string)
		if c == "" {
			break
		}
		next = c
	}
	if strings.Join(seen, ",") != "p4,p3,p2,p1,p0" {
		t.Errorf("pages by cursor: %v", seen)
	}
}

// TestHistoryResumesFromItsDirectory stops an API and starts another on
// the same --history-dir: it resumes from the checkpoint (it reads only
// what was written meanwhile) and serves the same history.
func TestHistoryResumesFromItsDirectory(t *testing.T) {
	h := newHarness(t)
	id, _ := h.create(aliceToken, hook("a", "https://a.example.com/a"))
	cfg := h.cfg
	cfg.HistoryDir = t.TempDir()
	run := func() (*Server, *syncBuffer, func()) {
		logs := &syncBuffer{}
		srv, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Run(ctx) }()
		select {
		case <-srv.Ready():
		case err := <-done:
			t.Fatalf("server stopped while starting: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("server not ready after 30s")
		}
		return srv, logs, func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server run: %v", err)
			}
		}
	}
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range 3 {
		h.produce(h.env.Names.Attempts, id, attempt(fmt.Sprintf("r%d", i), id, "retry", 500, base.Add(time.Duration(i)*time.Second)))
	}
	first, _, stopFirst := run()
	kafkatest.WaitFor(t, 10*time.Second, "3 attempts", func() error { return kafkatest.Equal(first.history.Len(), 3) })
	stopFirst()
	h.produce(h.env.Names.Attempts, id, attempt("r3", id, "success", 200, base.Add(3*time.Second)))
	srv, logs, stop := run()
	defer stop()
	if !strings.Contains(logs.String(), "history: resuming") || !strings.Contains(logs.String(), "attempts=3") {
		t.Errorf("the second start did not resume from the checkpoint:\n%s", logs.String())
	}
	page, err := srv.history.Find(history.Query{WebhookID: id, PageSize: 10, Descending: true})
	if err != nil || page.Count != 4 || page.Records[0].ID != "r3" || page.Records[3].ID != "r0" {
		t.Errorf("after the restart: %v %+v", err, page)
	}
}

// TestHistoryRetentionSetsTheTopics checks that the API gives the attempts
// topic its --history-retention, though the topic existed with another.
func TestHistoryRetentionSetsTheTopics(t *testing.T) {
	env := kafkatest.Start(t)
	h := &harness{t: t, env: env, cfg: testConfig(t, env), logs: &syncBuffer{}}
	h.cfg.HistoryRetention = 48 * time.Hour
	h.start()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	described, err := kadm.NewClient(cl).DescribeTopicConfigs(context.Background(), env.Names.Attempts)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := described.On(env.Names.Attempts, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, c := range rc.Configs {
		if c.Key == "retention.ms" && c.Value != nil {
			got = *c.Value
		}
	}
	if got != "172800000" {
		t.Errorf("attempts topic retention.ms = %q, want 172800000 (48h); log:\n%s", got, h.logs.String())
	}
}
