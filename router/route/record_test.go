package route

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

// offlineRouter is a router without Kafka: a serde on an in-process
// registry with every topic's schema registered, the default topic names,
// metrics on reg and an index of hooks.
func offlineRouter(tb testing.TB, reg prometheus.Registerer, hooks ...schemas.Subscription) *Router {
	tb.Helper()
	ctx := context.Background()
	sreg, err := registry.New(ctx, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sreg.Handler())
	tb.Cleanup(srv.Close)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		tb.Fatal(err)
	}
	names := topic.NewNames(topic.DefaultPrefix, []time.Duration{time.Minute, 5 * time.Minute})
	serde := schemas.NewSerde(cl, schemas.MustLoad())
	if err := provision.Schemas(ctx, serde, names.Specs(12)); err != nil {
		tb.Fatal(err)
	}
	webhooks := make([]subscription.Webhook, len(hooks))
	for i, h := range hooks {
		h.Enabled = true
		webhooks[i] = subscription.Webhook{Subscription: h}
	}
	return &Router{
		names: names, serde: serde, metrics: newMetrics(reg), index: match.Build(webhooks),
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// everything takes every event.
var everything = schemas.Subscription{ID: "wh_all", Global: true, EventTypes: []string{match.AllEvents}}

func metaEvent(id, eventType string) *schemas.MetadataChangeEvent {
	return &schemas.MetadataChangeEvent{
		EventID: id, EventType: eventType, Timestamp: time.Date(2026, 5, 12, 6, 0, 0, 0, time.UTC).UnixMilli(),
		Entity: schemas.Entity{ID: "ent-" + id, Type: "table", Name: "orders", Tags: []string{}, CustomMetadata: map[string]string{}},
	}
}

// checkRouted fails unless out is either one task per match (matches < 0:
// any number) on the deliveries topic or one rejected record that names rec as its origin,
// and every record fits the broker's limit and decodes. It returns the
// rejected record, or nil.
func checkRouted(t *testing.T, r *Router, rec *kgo.Record, out routed, matches int) *schemas.RejectedRecord {
	t.Helper()
	ctx := context.Background()
	for _, o := range out.records {
		if !kafka.Fits(o) {
			t.Fatalf("record of %d bytes for %s does not fit", kafka.RecordBytes(o), o.Topic)
		}
	}
	if len(out.records) == 1 && out.records[0].Topic == r.names.Rejected {
		var rr schemas.RejectedRecord
		if err := r.serde.Decode(ctx, out.records[0].Value, &rr); err != nil {
			t.Fatalf("rejected record does not decode: %v", err)
		}
		if rr.Topic != rec.Topic || rr.Partition != rec.Partition || rr.Offset != rec.Offset || rr.Reason == "" || rr.Component != "router" {
			t.Fatalf("rejected record without its origin or reason: %+v", rr)
		}
		if rr.ValueSize != int64(len(rec.Value)) || !bytes.HasPrefix(rec.Value, rr.Value) || (!rr.Truncated && len(rr.Value) != len(rec.Value)) {
			t.Fatalf("rejected copy: %d of %d bytes, truncated %v", len(rr.Value), len(rec.Value), rr.Truncated)
		}
		if !out.eventTime.IsZero() {
			t.Fatal("a rejected record has an event time")
		}
		return &rr
	}
	if matches >= 0 && len(out.records) != matches {
		t.Fatalf("%d records, want %d tasks", len(out.records), matches)
	}
	for _, o := range out.records {
		var task schemas.DeliveryTask
		if o.Topic != r.names.Deliveries {
			t.Fatalf("task on %s", o.Topic)
		}
		if err := r.serde.Decode(ctx, o.Value, &task); err != nil {
			t.Fatalf("task does not decode: %v", err)
		}
		if task.SourceTopic != rec.Topic || task.SourceOffset != rec.Offset || task.EventID == "" {
			t.Fatalf("task %+v", task)
		}
	}
	return nil
}

// The poison pill of issue 13: valid Avro whose eventType bytes were
// edited into invalid UTF-8. It used to panic the router on the metric
// label; it is rejected with the field named.
func TestInvalidUTF8EventIsRejected(t *testing.T) {
	r := offlineRouter(t, prometheus.NewRegistry(), everything)
	b, err := r.serde.Encode(metaEvent("e-1", "entity\xffCreated"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &kgo.Record{Topic: r.names.MetadataChanges, Partition: 1, Offset: 7, Key: []byte("ent-e-1"), Value: b}
	out, err := r.routeRecord(context.Background(), rec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rr := checkRouted(t, r, rec, out, 1)
	if rr == nil || !strings.Contains(rr.Reason, "eventType") || !strings.Contains(rr.Reason, "UTF-8") {
		t.Fatalf("rejected %+v, want a reason naming eventType and UTF-8", rr)
	}
	if got := testutil.ToFloat64(r.metrics.rejected.WithLabelValues(rec.Topic)); got != 1 {
		t.Fatalf("rejected_total %v", got)
	}
}

// An event near the broker's limit is valid, but its task would not fit:
// the event is rejected (its copy cut to fit), no task is produced.
func TestEventWhoseTaskWouldNotFitIsRejected(t *testing.T) {
	r := offlineRouter(t, prometheus.NewRegistry(), everything)
	ev := metaEvent("e-big", "entityUpdated")
	ev.Entity.Description = strings.Repeat("d", 1_048_400)
	b, err := r.serde.Encode(ev)
	if err != nil {
		t.Fatal(err)
	}
	rec := &kgo.Record{Topic: r.names.MetadataChanges, Partition: 0, Offset: 3, Key: []byte("ent-e-big"), Value: b}
	out, err := r.routeRecord(context.Background(), rec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rr := checkRouted(t, r, rec, out, 1)
	if rr == nil || !rr.Truncated || !strings.Contains(rr.Reason, "record size limit") {
		t.Fatalf("rejected %+v, want a cut copy and the size limit named", rr)
	}
}

// Thirty events of random types make one series of events_total, not
// thirty: a label takes a built-in type or "other".
func TestEventTypeLabelsAreBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := offlineRouter(t, reg, everything)
	types := []string{"entityCreated", schemas.EventWorkflowFailed}
	for i := range 30 {
		types = append(types, fmt.Sprintf("random-%d-%x", i, time.Now().UnixNano()))
	}
	for i, typ := range types {
		b, err := r.serde.Encode(metaEvent(fmt.Sprintf("e-%d", i), typ))
		if err != nil {
			t.Fatal(err)
		}
		rec := &kgo.Record{Topic: r.names.MetadataChanges, Offset: int64(i), Value: b}
		out, err := r.routeRecord(context.Background(), rec, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		checkRouted(t, r, rec, out, 1)
	}
	if n := testutil.CollectAndCount(r.metrics.events); n != 3 {
		t.Fatalf("%d series of events_total, want 3 (entityCreated, workflowFailed, other)", n)
	}
	if got := testutil.ToFloat64(r.metrics.events.WithLabelValues(r.names.MetadataChanges, schemas.OtherEventType)); got != 30 {
		t.Fatalf("other: %v, want 30", got)
	}
}

// FuzzRouteRecord drives the router's per-record step with arbitrary bytes
// and with valid Avro events carrying hostile strings (invalid UTF-8, NUL,
// strings of any length up to past the broker's limit). Every input ends as
// tasks or as one rejected record that fits and names its origin; none
// panics or fails the batch.
func FuzzRouteRecord(f *testing.F) {
	filtered := schemas.Subscription{ID: "wh_tables", Global: true, EventTypes: []string{"entityCreated"}, Filters: schemas.Filters{EntityTypes: []string{"table"}}}
	r := offlineRouter(f, prometheus.NewRegistry(), everything, filtered)
	good, err := r.serde.Encode(metaEvent("e-1", "entityCreated"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "entityCreated", "orders", uint32(0))
	f.Add(good[:len(good)-2], "entity\xffCreated", "ord\x00ers", uint32(0))
	f.Add([]byte("not avro"), "", "\xc3\x28", uint32(1_048_500))
	// A string length prefix that claims far more bytes than there are.
	f.Add(append(append([]byte{}, good[:5]...), 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "x", "y", uint32(900_000))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte, eventType, name string, pad uint32) {
		rec := &kgo.Record{Topic: r.names.MetadataChanges, Partition: 2, Offset: 11, Key: []byte(name), Value: raw}
		out, err := r.routeRecord(ctx, rec, time.Now())
		if err != nil {
			t.Fatalf("raw bytes: %v", err)
		}
		checkRouted(t, r, rec, out, -1)

		ev := metaEvent("e-"+name, eventType)
		ev.Entity.Name = name
		ev.Entity.Tags = []string{name}
		ev.Entity.CustomMetadata = map[string]string{name: eventType}
		ev.Entity.Description = strings.Repeat("\x00", int(pad%(1_100_000)))
		b, err := r.serde.Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		rec = &kgo.Record{Topic: r.names.MetadataChanges, Partition: 2, Offset: 12, Key: []byte(ev.Entity.ID), Value: b}
		out, err = r.routeRecord(ctx, rec, time.Now())
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		matches := 1
		if eventType == "entityCreated" {
			matches = 2
		}
		checkRouted(t, r, rec, out, matches)
	})
}
