package route

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

// benchRouter is a router without Kafka (see offlineRouter).
func benchRouter(b *testing.B) *Router {
	b.Helper()
	return offlineRouter(b, prometheus.NewRegistry())
}

// padTo fills a string field (through set) so that v encodes to about n
// bytes.
func padTo(b *testing.B, serde *schemas.Serde, n int, v any, set func(string)) {
	b.Helper()
	set("")
	wire, err := serde.Encode(v)
	if err != nil {
		b.Fatal(err)
	}
	filler := strings.Repeat("Orders placed through every channel, one row per line item. ", n/60+1)
	set(filler[:max(n-len(wire)-2, 0)])
}

// benchRecords are one metadata and one workflow record of about 1 KiB, as
// the router fetches them.
func benchRecords(b *testing.B, r *Router) map[string]*kgo.Record {
	b.Helper()
	at := time.Date(2026, 5, 12, 6, 0, 2, 0, time.UTC)
	meta := &schemas.MetadataChangeEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000001", EventType: "entityUpdated", Timestamp: at.UnixMilli(),
		Entity: schemas.Entity{
			ID: "5c9f7a2e-1d3b-4e8f-9a6c-2b7d4e1f0a93", Type: "table", Name: "orders",
			FullyQualifiedName: "snowflake_prod.analytics.sales.orders",
			Owner:              &schemas.Owner{Type: "user", Name: "alice"},
			Tags:               []string{"PII.Sensitive", "Tier.Tier1"}, Domain: "Sales",
			CustomMetadata: map[string]string{"steward": `"bob"`},
		},
		ChangeDescription: &schemas.ChangeDescription{
			FieldsUpdated: []schemas.FieldChange{{Name: "description", OldValue: new(`"orders"`), NewValue: new(`"all orders"`)}},
		},
		Actor: "alice",
	}
	padTo(b, r.serde, 1024, meta, func(s string) { meta.Entity.Description = s })
	wf := &schemas.WorkflowCompletionEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000002", Domain: "tenant.atlan.com",
		StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z", RunTime: 616,
		WorkflowTemplate: "atlan-snowflake-crawler", PackageName: "@atlan/snowflake", WorkflowID: "wf-8c1d2e3f",
		RunID: "atlan-snowflake-crawler-1715493602-abcde", IsSchedule: true, WorkflowName: "nightly",
		CronString: "0 2 * * *", NextRunInMinutes: 1440, FailedSteps: []string{"extract"}, RunningSteps: []string{},
		LastThreeRuns: []string{"Succeeded", "Failed", "Failed"}, Status: "failed",
	}
	padTo(b, r.serde, 1024, wf, func(s string) { wf.PotentialIssues = []string{s} })
	recs := map[string]*kgo.Record{}
	for name, v := range map[string]any{"metadata": meta, "workflow": wf} {
		wire, err := r.serde.Encode(v)
		if err != nil {
			b.Fatal(err)
		}
		t := r.names.MetadataChanges
		if name == "workflow" {
			t = r.names.WorkflowCompletion
		}
		recs[name] = &kgo.Record{Topic: t, Partition: 3, Offset: 421337, Key: []byte("k"), Value: wire, Timestamp: at}
	}
	return recs
}

// benchIndex is 1,000 webhooks of which exactly matches take the event;
// the others are on the same event type and are rejected by a filter, so
// matching does its real work.
func benchIndex(matches int) *match.Index {
	hooks := make([]subscription.Webhook, 1000)
	for i := range hooks {
		sub := schemas.Subscription{ID: fmt.Sprintf("wh_%04d", i), Enabled: true, Global: true, EventTypes: []string{match.AllEvents}}
		if i >= matches {
			sub.EventTypes = []string{"entityUpdated", "workflowFailed"}
			sub.Filters = schemas.Filters{EntityTypes: []string{"table"}, Domains: []string{"Finance"}, WorkflowNames: []string{"hourly"}}
		}
		hooks[i] = subscription.Webhook{Subscription: sub}
	}
	return match.Build(hooks)
}

// BenchmarkRouteRecord is the router's per-record CPU path without Kafka:
// DecodeEvent (Avro decode, JSON of the event), Match against 1,000
// webhooks, and for each match NewTask and its Avro encode into a delivery
// record (Router.task). SetBytes is the consumed record's size; ns/task is
// the time per produced task.
func BenchmarkRouteRecord(b *testing.B) {
	r := benchRouter(b)
	recs := benchRecords(b, r)
	ctx := context.Background()
	now := time.Now().UTC()
	for _, kind := range []string{"metadata", "workflow"} {
		for _, matches := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("topic=%s/matches=%d", kind, matches), func(b *testing.B) {
				rec := recs[kind]
				ix := benchIndex(matches)
				var ids []string
				tasks := 0
				b.SetBytes(int64(len(rec.Value)))
				b.ReportAllocs()
				for b.Loop() {
					d, err := source.Decode(ctx, r.serde, r.names.WorkflowCompletion, rec)
					if err != nil {
						b.Fatal(err)
					}
					ids = ix.Match(&d.Match, ids[:0])
					for _, id := range ids {
						if _, err := r.task(rec, &d, id, now); err != nil {
							b.Fatal(err)
						}
					}
					tasks += len(ids)
				}
				if tasks != b.N*matches {
					b.Fatalf("%d tasks over %d records, want %d per record", tasks, b.N, matches)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(tasks), "ns/task")
			})
		}
	}
}

// BenchmarkDecodeEvent is DecodeEvent alone: Avro decode and the JSON text
// that every task of the event carries.
func BenchmarkDecodeEvent(b *testing.B) {
	r := benchRouter(b)
	recs := benchRecords(b, r)
	ctx := context.Background()
	for _, kind := range []string{"metadata", "workflow"} {
		b.Run("topic="+kind, func(b *testing.B) {
			rec := recs[kind]
			b.SetBytes(int64(len(rec.Value)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := source.Decode(ctx, r.serde, r.names.WorkflowCompletion, rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTask is one match's delivery record: NewTask (DeliveryID's
// SHA-256 included) and the task's Avro encode (Router.task).
func BenchmarkTask(b *testing.B) {
	r := benchRouter(b)
	rec := benchRecords(b, r)["metadata"]
	d, err := source.Decode(context.Background(), r.serde, r.names.WorkflowCompletion, rec)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	out, err := r.task(rec, &d, "wh_0001", now)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out.Value)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.task(rec, &d, "wh_0001", now); err != nil {
			b.Fatal(err)
		}
	}
}
