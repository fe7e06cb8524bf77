package integration

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// TestCredentialHeadersSealedEndToEnd: custom headers saved through the API
// are sealed in hookstream.subscriptions, reach the endpoint as written
// (the deliverer opens them), and show only as [redacted] in the attempt
// records and the history.
func TestCredentialHeadersSealedEndToEnd(t *testing.T) {
	env := kafkatest.Start(t)
	startRouter(t, env)
	startDeliverer(t, delivererConfig(env))
	c, _ := startAPI(t, apiConfig(env))
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	rcv := newReceiver(t, func(string, int) int { return 200 })

	creds := map[string]string{"Authorization": "Bearer it-cred-authorization", "Api-Key": "it-cred-api-key", "X-Auth-Token": "it-cred-x-auth-token"}
	headers := map[string]string{"Accept": "application/json"}
	for k, v := range creds {
		headers[k] = v
	}
	id := c.must(201, "POST", "/api/v1/webhooks", map[string]any{"name": "creds", "url": rcv.srv.URL, "global": true,
		"eventTypes": []string{"entityCreated"}, "headers": headers})["id"].(string)

	// The record, as kcat would read it.
	raw := rawRecord(t, env, env.Names.Subscriptions, id)
	for k, v := range creds {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("hookstream.subscriptions holds %s in clear", k)
		}
	}

	ev := metaEvent("00000000-0000-4000-8000-0000000000c1", "entityCreated", "table")
	produceValue(t, env, env.Names.MetadataChanges, ev.Entity.ID, ev)
	kafkatest.WaitFor(t, 30*time.Second, "the delivery and its attempt record", func() error {
		return errors.Join(
			kafkatest.Named("requests", kafkatest.Equal(rcv.count(), 1)),
			kafkatest.Named("attempt records", kafkatest.Equal(attempts.count(func(a schemas.DeliveryAttempt) bool { return a.WebhookID == id }), 1)))
	})
	got := rcv.deliveries()[0].header
	for k, v := range headers {
		if got.Get(k) != v {
			t.Errorf("the endpoint got %s = %q, want %q", k, got.Get(k), v)
		}
	}
	var rec schemas.DeliveryAttempt
	for _, a := range attempts.snapshot() {
		if a.WebhookID == id {
			rec = a
		}
	}
	for k := range creds {
		if rec.RequestHeaders[k] != "[redacted]" {
			t.Errorf("attempt record %s = %q", k, rec.RequestHeaders[k])
		}
	}
	if rec.RequestHeaders["Accept"] != "application/json" {
		t.Errorf("attempt record hides Accept: %v", rec.RequestHeaders)
	}
	kafkatest.WaitFor(t, 10*time.Second, "the attempt in the history", func() error {
		return kafkatest.Equal(c.count("/api/v1/webhooks/history?webhookId="+id), 1)
	})
	hist := c.must(200, "GET", "/api/v1/webhooks/history?webhookId="+id, nil)["records"].([]any)[0].(map[string]any)
	for k := range creds {
		if v := hist["requestHeaders"].(map[string]any)[k]; v != "[redacted]" {
			t.Errorf("history %s = %v", k, v)
		}
	}
}

// rawRecord is the value of a record of topic keyed key, as written (the
// last one of the first fetch that holds one).
func rawRecord(t *testing.T, env *kafkatest.Env, topicName, key string) []byte {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(topicName),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var value []byte
	for value == nil {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("no record keyed %s in %s", key, topicName)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if string(r.Key) == key {
				value = r.Value
			}
		})
	}
	return value
}
