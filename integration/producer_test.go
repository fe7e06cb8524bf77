package integration

import (
	"context"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/producer"
	"github.com/hookstream/hookstream/schemas"
)

// TestProducedEventsAreRouted is the upstream path: the producer library
// writes events, the router turns them into tasks.
func TestProducedEventsAreRouted(t *testing.T) {
	env := kafkatest.Start(t)
	putWebhook(t, env, schemas.Subscription{ID: "sales-tags", Global: true, EventTypes: []string{"tagAdded"}, Filters: schemas.Filters{Domains: []string{"Sales"}}})
	putWebhook(t, env, schemas.Subscription{ID: "nightly", Global: true, EventTypes: []string{"workflowSucceeded"}, Filters: schemas.Filters{WorkflowNames: []string{"nightly"}}})
	startRouter(t, env)
	ts := watchTasks(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := producer.New(ctx, producer.Config{Brokers: env.Brokers, RegistryURL: env.RegistryURL, TopicPrefix: env.Names.Prefix, ClientID: "it-producer"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tagged := &schemas.MetadataChangeEvent{EventType: "tagAdded", Entity: schemas.Entity{ID: "t1", Type: "table", Name: "orders", Domain: "Sales", Tags: []string{"PII.Sensitive"}}}
	other := &schemas.MetadataChangeEvent{EventType: "tagAdded", Entity: schemas.Entity{ID: "t2", Type: "table", Name: "ledger", Domain: "Finance"}}
	for _, ev := range []*schemas.MetadataChangeEvent{tagged, other} {
		if err := p.EmitMetadata(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	run := &schemas.WorkflowCompletionEvent{StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z", RunTime: 616,
		WorkflowID: "wf", RunID: "r1", WorkflowName: "nightly", Status: "succeeded"}
	if err := p.EmitWorkflow(ctx, run); err != nil {
		t.Fatal(err)
	}
	kafkatest.WaitFor(t, 30*time.Second, "two tasks", func() error { return kafkatest.Reached(ts.len(), 2) })
	waitRouted(t, env)
	all, _ := ts.snapshot()
	if len(all) != 2 {
		t.Fatalf("tasks %+v", all)
	}
	got := map[string]string{}
	for _, task := range all {
		got[task.WebhookID] = task.EventID
	}
	if got["sales-tags"] != tagged.EventID || got["nightly"] != run.EventID || tagged.EventID == "" {
		t.Fatalf("tasks by webhook %v; event ids %s %s", got, tagged.EventID, run.EventID)
	}
}
