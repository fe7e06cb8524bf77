package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/schemas"
)

// TestReplayCommandRoutesTheRangeToOneWebhook runs `hookstream replay`
// against an in-process broker: the matching events of the range become
// tasks for that webhook, tagged with the replay id.
func TestReplayCommandRoutesTheRangeToOneWebhook(t *testing.T) {
	e := startProduceEnv(t)
	ctx := context.Background()
	produce := func(topicName, key string, v any) {
		t.Helper()
		b, err := e.serde.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.admin.ProduceSync(ctx, &kgo.Record{Topic: topicName, Key: []byte(key), Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	produce(e.names.Subscriptions, "wh1", &schemas.Subscription{ID: "wh1", Name: "one", URL: "https://a.example.com", Enabled: true,
		Global: true, EventTypes: []string{"tagAdded"}, CreatedAt: now, UpdatedAt: now})
	for i := range 5 {
		ty := "tagAdded"
		if i == 0 {
			ty = "entityCreated"
		}
		produce(e.names.MetadataChanges, fmt.Sprint(i), &schemas.MetadataChangeEvent{EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			EventType: ty, Timestamp: now.UnixMilli(), Entity: schemas.Entity{ID: fmt.Sprint(i), Type: "table", Tags: []string{}, CustomMetadata: map[string]string{}}})
	}
	var out, errOut bytes.Buffer
	args := []string{"--brokers", e.brokers, "--registry", e.registry, "--topic-prefix", e.names.Prefix, "--partitions", "3",
		"--webhook", "wh1", "--since", now.Add(-time.Minute).Format(time.RFC3339)}
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := runReplay(rctx, args, &out, &errOut, func(string) string { return "" }); err != nil {
		t.Fatalf("replay: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "completed: 5 records in range, 5 read, 4 tasks produced") {
		t.Errorf("summary: %q", out.String())
	}
	var replayed int
	for _, r := range e.consume(t, e.names.Deliveries) {
		var task schemas.DeliveryTask
		if err := e.serde.Decode(ctx, r.Value, &task); err != nil {
			t.Fatal(err)
		}
		if task.WebhookID != "wh1" || task.EventType != "tagAdded" || !strings.HasPrefix(task.ReplayID, "rp_cli_") {
			t.Errorf("task %+v", task)
		}
		replayed++
	}
	if replayed != 4 {
		t.Errorf("%d tasks, want 4", replayed)
	}

	err := runReplay(rctx, []string{"--brokers", e.brokers, "--registry", e.registry, "--topic-prefix", e.names.Prefix,
		"--webhook", "nope", "--since", now.Format(time.RFC3339)}, &out, &errOut, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "webhook nope does not exist") {
		t.Errorf("unknown webhook: %v", err)
	}
	for _, bad := range [][]string{{"--since", "yesterday", "--webhook", "x"}, {"--since", now.Format(time.RFC3339)}} {
		if err := runReplay(rctx, bad, &out, &errOut, func(string) string { return "" }); err == nil {
			t.Errorf("%v: no usage error", bad)
		}
	}
}
