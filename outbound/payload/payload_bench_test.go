package payload

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

// benchJSON marshals v as the router does (source.Decode) after set has
// padded a string field so that the JSON is about 1 KiB.
func benchJSON(b *testing.B, v any, set func(string)) string {
	b.Helper()
	set("")
	js, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	set(strings.Repeat("x", max(1024-len(js), 0)))
	if js, err = json.Marshal(v); err != nil {
		b.Fatal(err)
	}
	return string(js)
}

// benchTasks are one metadata and one workflow task with ~1 KiB events.
func benchTasks(b *testing.B) map[string]schemas.DeliveryTask {
	meta := &schemas.MetadataChangeEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000001", EventType: "entityUpdated", Timestamp: 1778565602000,
		Entity: schemas.Entity{
			ID: "5c9f7a2e-1d3b-4e8f-9a6c-2b7d4e1f0a93", Type: "table", Name: "orders",
			FullyQualifiedName: "snowflake_prod.analytics.sales.orders", Owner: &schemas.Owner{Type: "user", Name: "alice"},
			Tags: []string{"PII.Sensitive", "Tier.Tier1"}, Domain: "Sales", CustomMetadata: map[string]string{"steward": `"bob"`},
		},
		ChangeDescription: &schemas.ChangeDescription{
			FieldsUpdated: []schemas.FieldChange{{Name: "description", OldValue: new(`"orders"`), NewValue: new(`"all orders"`)}},
		},
		Actor: "alice",
	}
	wf := &schemas.WorkflowCompletionEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000002", Domain: "tenant.atlan.com",
		StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z", RunTime: 616,
		WorkflowTemplate: "atlan-snowflake-crawler", PackageName: "@atlan/snowflake", WorkflowID: "wf-8c1d2e3f",
		RunID: "atlan-snowflake-crawler-1715493602-abcde", IsSchedule: true, WorkflowName: "nightly",
		CronString: "0 2 * * *", NextRunInMinutes: 1440, FailedSteps: []string{"extract"}, RunningSteps: []string{},
		LastThreeRuns: []string{"Succeeded", "Failed", "Failed"}, Status: "failed",
	}
	return map[string]schemas.DeliveryTask{
		"metadata": {DeliveryID: "msg_1", WebhookID: "wh1", EventType: meta.EventType,
			Event: benchJSON(b, meta, func(s string) { meta.Entity.Description = s })},
		"workflow": {DeliveryID: "msg_2", WebhookID: "wh1", EventType: wf.EventType(),
			Event: benchJSON(b, wf, func(s string) { wf.PotentialIssues = []string{s} })},
	}
}

// BenchmarkRender is the body of one delivery (task → JSON) in every format
// and for both event kinds, plus a generic batch of 10. SetBytes is the
// events' JSON size.
func BenchmarkRender(b *testing.B) {
	tasks := benchTasks(b)
	run := func(name, format string, ts []schemas.DeliveryTask) {
		b.Run(name, func(b *testing.B) {
			n := 0
			for _, t := range ts {
				n += len(t.Event)
			}
			if _, err := render(format, "wh1", "orders to Slack", ts); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := render(format, "wh1", "orders to Slack", ts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, format := range []string{Generic, Slack, MSTeams, GoogleChat} {
		for _, kind := range []string{"metadata", "workflow"} {
			run(fmt.Sprintf("format=%s/event=%s", format, kind), format, []schemas.DeliveryTask{tasks[kind]})
		}
	}
	batch := make([]schemas.DeliveryTask, 10)
	for i := range batch {
		batch[i] = tasks["metadata"]
	}
	run("format=generic/event=metadata/batch=10", Generic, batch)
	// custom: a template of the README's kind, compiled once (cached).
	custom := Webhook{ID: "wh1", Name: "orders to Slack", Format: Custom, BatchSize: 1,
		Template: `{"text": event.entity.name + " changed by " + event.actor, "fqn": event.entity.fullyQualifiedName, "tags": event.entity.tags}`}
	b.Run("format=custom/event=metadata", func(b *testing.B) {
		ts := []schemas.DeliveryTask{tasks["metadata"]}
		b.SetBytes(int64(len(ts[0].Event)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Render(custom, "msg_1", ts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
