package schemas_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/schemas"
)

// benchPayload is the target size of one encoded event: the 1 KiB events of
// the end-to-end targets (issue #7).
const benchPayload = 1024

// benchMetadata is a metadata event whose Avro encoding is about 1 KiB: a
// realistic entity, a change description, and a description padded to size.
func benchMetadata(tb testing.TB, serde *schemas.Serde) *schemas.MetadataChangeEvent {
	tb.Helper()
	ev := &schemas.MetadataChangeEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000001", EventType: "entityUpdated", Timestamp: at.UnixMilli(),
		Entity: schemas.Entity{
			ID: "5c9f7a2e-1d3b-4e8f-9a6c-2b7d4e1f0a93", Type: "table", Name: "orders",
			FullyQualifiedName: "snowflake_prod.analytics.sales.orders",
			Owner:              &schemas.Owner{Type: "user", Name: "alice"},
			Tags:               []string{"PII.Sensitive", "Tier.Tier1", "Certification.Gold"}, Domain: "Sales",
			CustomMetadata: map[string]string{"steward": `"bob"`, "retentionDays": "365"},
		},
		ChangeDescription: &schemas.ChangeDescription{
			FieldsAdded:   []schemas.FieldChange{{Name: "tags", NewValue: ptr(`["Certification.Gold"]`)}},
			FieldsUpdated: []schemas.FieldChange{{Name: "description", OldValue: ptr(`"orders"`), NewValue: ptr(`"all orders"`)}},
			FieldsDeleted: []schemas.FieldChange{},
		},
		Actor: "alice",
	}
	ev.Entity.Description = pad(tb, serde, ev, func(s string) { ev.Entity.Description = s })
	return ev
}

// benchWorkflow is a workflow event of Atlan's payload, padded to about 1 KiB
// through its potential issues.
func benchWorkflow(tb testing.TB, serde *schemas.Serde) *schemas.WorkflowCompletionEvent {
	tb.Helper()
	ev := &schemas.WorkflowCompletionEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000002", Domain: "tenant.atlan.com",
		StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z", RunTime: 616,
		WorkflowTemplate: "atlan-snowflake-crawler", PackageName: "@atlan/snowflake", WorkflowID: "wf-8c1d2e3f",
		RunID: "atlan-snowflake-crawler-1715493602-abcde", IsSchedule: true, WorkflowName: "nightly-snowflake",
		CronString: "0 2 * * *", NextRunInMinutes: 1440, FailedSteps: []string{"extract", "transform"},
		RunningSteps: []string{}, AssetsCreated: 12, AssetsUpdated: 3400, AssetsDeleted: 7,
		LastThreeRuns: []string{"Succeeded", "Failed", "Failed"}, RecurringFailuresInDays: 2,
		IsEverRunSuccessfully: true, Status: "failed",
	}
	pad(tb, serde, ev, func(s string) { ev.PotentialIssues = []string{s} })
	return ev
}

// pad sets a filler string (through set) so that v encodes to about
// benchPayload bytes, and returns the filler.
func pad(tb testing.TB, serde *schemas.Serde, v any, set func(string)) string {
	tb.Helper()
	set("")
	b, err := serde.Encode(v)
	if err != nil {
		tb.Fatal(err)
	}
	// Two bytes of varint length prefix for a string of this size.
	filler := strings.Repeat("Orders placed through every channel, one row per line item. ", benchPayload/60+1)
	filler = filler[:max(benchPayload-len(b)-2, 0)]
	set(filler)
	return filler
}

// benchTask is the first delivery task of ev, carrying its JSON as the
// router writes it.
func benchTask(tb testing.TB, ev *schemas.MetadataChangeEvent) *schemas.DeliveryTask {
	tb.Helper()
	js, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return &schemas.DeliveryTask{
		DeliveryID: "msg_3a7bd3e2360a3d29eea436fcfb7e44c7", WebhookID: "wh_2b8f1c", EventID: ev.EventID,
		EventType: ev.EventType, Event: string(js), EventTime: at, SourceTopic: "hookstream.metadata-changes",
		SourcePartition: 3, SourceOffset: 421337, RoutedAt: at.Add(time.Millisecond), Attempt: 1,
		NotBefore: at.Add(time.Millisecond),
	}
}

// benchAttempt is the attempt record the deliverer writes after sending
// task: the request headers it sent (signature included), a response
// snippet, and the task's event so history can redeliver it.
func benchAttempt(task *schemas.DeliveryTask) *schemas.DeliveryAttempt {
	return &schemas.DeliveryAttempt{
		AttemptID: "att_9c2e4f6a8b0d1e3f", DeliveryID: task.DeliveryID, WebhookID: task.WebhookID,
		EventID: task.EventID, EventType: task.EventType, Attempt: task.Attempt, Tier: "deliveries",
		Outcome: "success", StatusCode: 200, LatencyMs: 37,
		RequestHeaders: map[string]string{
			"Content-Type":      "application/json",
			"User-Agent":        "hookstream/1",
			"Webhook-Id":        task.DeliveryID,
			"Webhook-Timestamp": "1778565602",
			"Webhook-Signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
		},
		ResponseSnippet: `{"ok":true}`, Event: task.Event, Timestamp: at.Add(40 * time.Millisecond),
	}
}

// benchValues registers the hot-path records and returns one of each: the
// router decodes events and encodes tasks, the deliverer decodes tasks and
// encodes attempts, the API decodes attempts.
func benchValues(b *testing.B) (*schemas.Serde, []any) {
	serde, _ := newSerde(b)
	ctx := context.Background()
	for _, name := range []string{"MetadataChangeEvent", "WorkflowCompletionEvent", "DeliveryTask", "DeliveryAttempt"} {
		if _, err := serde.Register(ctx, schemas.Subject("bench."+name), name); err != nil {
			b.Fatal(err)
		}
	}
	meta := benchMetadata(b, serde)
	task := benchTask(b, meta)
	return serde, []any{meta, benchWorkflow(b, serde), task, benchAttempt(task)}
}

// BenchmarkEncode is Serde.Encode (Go value → compiled codec → wire
// format) of each record on the hot path; b.SetBytes is the encoded size.
func BenchmarkEncode(b *testing.B) {
	serde, values := benchValues(b)
	for _, v := range values {
		b.Run(reflect.TypeOf(v).Elem().Name(), func(b *testing.B) {
			wire, err := serde.Encode(v)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := serde.Encode(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode is Serde.Decode (wire format → compiled codec → Go
// value) of each record on the hot path, with its writer schema and plan
// cached as they are after the first record.
func BenchmarkDecode(b *testing.B) {
	serde, values := benchValues(b)
	ctx := context.Background()
	for _, v := range values {
		typ := reflect.TypeOf(v).Elem()
		b.Run(typ.Name(), func(b *testing.B) {
			wire, err := serde.Encode(v)
			if err != nil {
				b.Fatal(err)
			}
			out := reflect.New(typ)
			if err := serde.Decode(ctx, wire, out.Interface()); err != nil {
				b.Fatal(err)
			}
			if !reflect.DeepEqual(v, out.Interface()) {
				b.Fatalf("round trip differs")
			}
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			for b.Loop() {
				// A fresh value each time, as a consumer decodes each
				// record into a new one.
				if err := serde.Decode(ctx, wire, reflect.New(typ).Interface()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
