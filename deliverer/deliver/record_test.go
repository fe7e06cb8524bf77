package deliver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/outbound/payload"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

// offlineDeliverer is a Deliverer with no Kafka client and no sender, its
// serde on an in-process registry: enough for the per-record steps (intake,
// outcome, rejection) as long as nothing is produced.
func offlineDeliverer(tb testing.TB) *Deliverer {
	tb.Helper()
	ctx := context.Background()
	reg, err := registry.New(ctx, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	tb.Cleanup(srv.Close)
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		tb.Fatal(err)
	}
	cfg := Defaults()
	cfg.RetryTiers = []time.Duration{time.Minute, 5 * time.Minute}
	names := topic.NewNames(topic.DefaultPrefix, cfg.RetryTiers)
	serde := schemas.NewSerde(cl, schemas.MustLoad())
	if err := provision.Schemas(ctx, serde, names.Specs(12)); err != nil {
		tb.Fatal(err)
	}
	key, err := secret.NewKey()
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := secret.ParseKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	sealer, err := secret.NewSealer(raw)
	if err != nil {
		tb.Fatal(err)
	}
	d := &Deliverer{
		cfg: cfg, names: names, delays: cfg.RetryTiers, tierOf: map[string]int{names.Deliveries: outcome.NoTier},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics(prometheus.NewRegistry(), true),
		table: subscription.NewTable(), sealer: sealer, serde: serde, parts: map[topicPartition]*partition{},
		endpoints: map[string]*endpoint{}, pool: newPool(cfg.MaxInFlight),
		budget: newBudget(cfg.MaxPending), statuses: newStatusBook(), missing: newMissingBook(),
	}
	for i, t := range names.Tiers {
		d.tierOf[t.Topic] = i
	}
	return d
}

func testTask(event string) schemas.DeliveryTask {
	at := time.Date(2026, 5, 12, 6, 0, 0, 0, time.UTC)
	return schemas.DeliveryTask{
		DeliveryID: "msg_1", WebhookID: "wh_1", EventID: "e-1", EventType: "entityCreated", Event: event,
		EventTime: at, RoutedAt: at, Attempt: 1, NotBefore: at,
	}
}

// Attempt results the fuzz target and the tests put a job through.
var attemptResults = map[string]attempt{
	"success": {result: outcome.Result{Kind: outcome.Success}, res: send.Result{StatusCode: 200, Snippet: "ok"}},
	"retry":   {result: outcome.Result{Kind: outcome.Retry, Reason: "status 500 \xff"}, res: send.Result{StatusCode: 500}},
	"final":   {final: true, skipped: true, result: outcome.Result{Kind: outcome.Retry, Reason: "payload: bad"}},
	"disable": {result: outcome.Result{Kind: outcome.Disable, Reason: "410 Gone"}, res: send.Result{StatusCode: 410}},
}

// checkOutbox fails unless every record of out fits the broker's limit and
// decodes as its topic's record; it returns the decoded rejected records
// and attempt records.
func checkOutbox(t *testing.T, d *Deliverer, out outbox) (rejected []schemas.RejectedRecord, attempts []schemas.DeliveryAttempt) {
	t.Helper()
	if out.err != nil {
		t.Fatalf("outcome not recorded: %v", out.err)
	}
	ctx := context.Background()
	for _, r := range out.recs {
		if !kafka.Fits(r) {
			t.Fatalf("record of %d bytes for %s does not fit", kafka.RecordBytes(r), r.Topic)
		}
		var err error
		switch {
		case r.Topic == d.names.Rejected:
			var rr schemas.RejectedRecord
			err = d.serde.Decode(ctx, r.Value, &rr)
			rejected = append(rejected, rr)
		case r.Topic == d.names.Attempts:
			var a schemas.DeliveryAttempt
			err = d.serde.Decode(ctx, r.Value, &a)
			attempts = append(attempts, a)
		case r.Topic == d.names.DeadLetters:
			err = d.serde.Decode(ctx, r.Value, &schemas.DeadLetter{})
		default:
			err = d.serde.Decode(ctx, r.Value, &schemas.DeliveryTask{})
		}
		if err != nil {
			t.Fatalf("%s record does not decode: %v", r.Topic, err)
		}
	}
	return rejected, attempts
}

// summary names the first attempt record without its event.
func summary(attempts []schemas.DeliveryAttempt) string {
	if len(attempts) == 0 {
		return "none"
	}
	a := attempts[0]
	return fmt.Sprintf("outcome %s, event of %d bytes, omitted %v, task %s/%d@%d, error %q", a.Outcome, len(a.Event), a.EventOmitted, a.TaskTopic, a.TaskPartition, a.TaskOffset, a.Error)
}

// A record on deliveries that does not decode, or whose task cannot be
// delivered, is one rejected record with its origin; one at the broker's
// own limit is cut to fit.
func TestUndeliverableRecordsAreRejected(t *testing.T) {
	d := offlineDeliverer(t)
	p := d.partition(d.names.Deliveries, 4)
	task := testTask("{}")
	poison := task
	poison.EventType = "entity\xffCreated"
	noWebhook := task
	noWebhook.WebhookID = ""
	longType := task
	longType.EventType = strings.Repeat("t", schemas.MaxIDBytes+1)
	enc := func(v schemas.DeliveryTask) []byte {
		b, err := d.serde.Encode(&v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, tc := range map[string]struct {
		value  []byte
		reason string
	}{
		"garbage at the broker's limit": {append([]byte{0xff}, make([]byte, 1_048_400)...), "wire header"},
		"invalid UTF-8":                 {enc(poison), "UTF-8"},
		"no webhook id":                 {enc(noWebhook), "webhookId is empty"},
		"event type too long":           {enc(longType), "eventType is"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &kgo.Record{Topic: d.names.Deliveries, Partition: 4, Offset: 99, Key: []byte("wh_1"), Value: tc.value}
			j := d.intake(context.Background(), p, rec)
			if j.bad == nil {
				t.Fatal("accepted")
			}
			rejected, _ := checkOutbox(t, d, d.rejection(j, time.Now()))
			if len(rejected) != 1 {
				t.Fatalf("%d rejected records", len(rejected))
			}
			rr := rejected[0]
			if rr.Topic != rec.Topic || rr.Partition != 4 || rr.Offset != 99 || rr.Component != "deliverer" || !strings.Contains(rr.Reason, tc.reason) {
				t.Fatalf("rejected %s/%d@%d by %s: %q", rr.Topic, rr.Partition, rr.Offset, rr.Component, rr.Reason)
			}
			if rr.ValueSize != int64(len(tc.value)) || !bytes.HasPrefix(tc.value, rr.Value) || rr.Truncated != (len(tc.value) > 1_000_000) {
				t.Fatalf("copy of %d bytes of %d, truncated %v", len(rr.Value), len(tc.value), rr.Truncated)
			}
		})
	}
}

// A task of about a megabyte: its attempt record points at the task, as
// every attempt record does, instead of carrying the event; a retry or dead
// letter of it would not fit, so the task is rejected with its origin
// instead of retried forever.
func TestOversizedTaskOutcomes(t *testing.T) {
	d := offlineDeliverer(t)
	p := d.partition(d.names.Deliveries, 1)
	// Over this deliverer's limit, within a broker's own: a task another
	// producer wrote.
	big := testTask(`{"d":"` + strings.Repeat("x", 1_000_500) + `"}`)
	wh := subscription.Webhook{Subscription: schemas.Subscription{ID: "wh_1", Enabled: true}}
	for name, want := range map[string]string{"success": outcomeSuccess, "retry": outcomeRejected, "final": outcomeRejected, "disable": outcomeRejected} {
		t.Run(name, func(t *testing.T) {
			j := &job{part: p, offset: 5, task: big, tier: p.tier}
			a := attemptResults[name]
			out, _ := d.outcome(wh, []*job{j}, &a, time.Now())
			rejected, attempts := checkOutbox(t, d, out)
			if len(attempts) != 1 || attempts[0].Outcome != want || !pointsAt(attempts[0], d.names.Deliveries, 1, 5) {
				t.Fatalf("%d attempts (first %s), want one %s pointing at its task", len(attempts), summary(attempts), want)
			}
			if want != outcomeRejected {
				if len(rejected) != 0 {
					t.Fatalf("rejected: %s", rejected[0].Reason)
				}
				return
			}
			if len(rejected) != 1 || rejected[0].Offset != 5 || rejected[0].Partition != 1 || !strings.Contains(rejected[0].Reason, "record size limit") {
				t.Fatalf("%d rejected records, want one naming the size limit", len(rejected))
			}
			if rr := rejected[0]; !rr.Truncated || rr.Topic != d.names.Deliveries {
				t.Fatalf("rejected %s, truncated %v: %s", rr.Topic, rr.Truncated, rr.Reason)
			}
		})
	}
	// A task that fits retries; its attempt points at it too.
	j := &job{part: p, offset: 6, task: testTask("{}"), tier: p.tier}
	a := attemptResults["retry"]
	out, res := d.outcome(wh, []*job{j}, &a, time.Now())
	next := res.nextAt
	rejected, attempts := checkOutbox(t, d, out)
	if len(rejected) != 0 || len(attempts) != 1 || attempts[0].Outcome != outcomeRetry || !pointsAt(attempts[0], d.names.Deliveries, 1, 6) || next.IsZero() {
		t.Fatalf("small task: %d rejected, %d attempts (first %s)", len(rejected), len(attempts), summary(attempts))
	}
	if attempts[0].Error != "status 500 \uFFFD" {
		t.Fatalf("error %q not made valid UTF-8", attempts[0].Error)
	}
}

// A tier task claiming a notBefore far beyond its tier's delay is due at
// its record's time plus the delay, so it cannot pause the partition for
// longer.
func TestTierTaskIsDueNoLaterThanItsDelay(t *testing.T) {
	d := offlineDeliverer(t)
	p := d.partition(d.names.Tiers[0].Topic, 0)
	written := time.Date(2026, 5, 12, 6, 0, 0, 0, time.UTC)
	j := &job{part: p, produced: written, task: schemas.DeliveryTask{NotBefore: written.Add(100 * 365 * 24 * time.Hour)}}
	if got, want := j.dueAt(), written.Add(d.delays[0]+time.Millisecond); !got.Equal(want) {
		t.Fatalf("due at %v, want %v (the delay and the millisecond the record's time was cut by)", got, want)
	}
	j.task.NotBefore = written.Add(time.Second)
	if got := j.dueAt(); !got.Equal(written.Add(time.Second)) {
		t.Fatalf("an honest notBefore moved to %v", got)
	}
}

// FuzzDeliverRecord drives the deliverer's per-record steps with arbitrary
// bytes and with valid Avro tasks carrying hostile strings (invalid UTF-8,
// NUL, events of any size up to past the broker's limit), on deliveries and
// on a tier: intake, the payload render, and the outcome of every kind of
// attempt. Each input ends as a rejected record or as attempt, retry and
// dead-letter records, all of which fit and decode; none panics.
func FuzzDeliverRecord(f *testing.F) {
	d := offlineDeliverer(f)
	good, err := d.serde.Encode(&schemas.DeliveryTask{DeliveryID: "msg_1", WebhookID: "wh_1", Attempt: 1, Event: "{}"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "entityCreated", `{"eventId":"e"}`, uint32(0), false)
	f.Add(good[:len(good)-1], "entity\xffCreated", "{\"a\":\"\x00\"}", uint32(1_048_500), true)
	f.Add([]byte("not avro"), "", "\xc3\x28", uint32(999_000), false)
	f.Add(append(append([]byte{}, good[:5]...), 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), "x", "[", uint32(0), true)
	ctx := context.Background()
	wh := subscription.Webhook{Subscription: schemas.Subscription{ID: "wh_1", Name: "hook", Enabled: true}}
	f.Fuzz(func(t *testing.T, raw []byte, eventType, event string, pad uint32, tier bool) {
		topicName := d.names.Deliveries
		if tier {
			topicName = d.names.Tiers[0].Topic
		}
		p := d.partition(topicName, 0)
		task := testTask(event + strings.Repeat("\x00", int(pad%1_100_000)))
		task.EventType = eventType
		encoded, err := d.serde.Encode(&task)
		if err != nil {
			t.Fatal(err)
		}
		for _, value := range [][]byte{raw, encoded} {
			rec := &kgo.Record{Topic: topicName, Offset: 3, Key: []byte("wh_1"), Value: value, Timestamp: time.Now()}
			j := d.intake(ctx, p, rec)
			if j.bad != nil {
				rejected, _ := checkOutbox(t, d, d.rejection(j, time.Now()))
				if len(rejected) != 1 || rejected[0].Offset != 3 || rejected[0].Topic != topicName || rejected[0].Reason == "" {
					t.Fatalf("%d rejected records without their origin or reason", len(rejected))
				}
				continue
			}
			_, _ = payload.Render(payload.Webhook{ID: wh.ID, Name: wh.Name, Format: payload.Generic}, j.task.DeliveryID, []schemas.DeliveryTask{j.task})
			for name := range attemptResults {
				a := attemptResults[name]
				out, _ := d.outcome(wh, []*job{j}, &a, time.Now())
				if _, attempts := checkOutbox(t, d, out); len(attempts) != 1 {
					t.Fatalf("%s: %d attempt records", name, len(attempts))
				}
			}
		}
	})
}

// A retry-tier record carries the headers of a first-tier task (event type,
// replay id) as well as its last error, so a tool reading any task topic
// sees the same layout.
func TestRetryRecordCarriesTheTaskHeaders(t *testing.T) {
	d := offlineDeliverer(t)
	p := d.partition(d.names.Deliveries, 0)
	task := testTask("{}")
	task.ReplayID = "rpl_1"
	j := &job{part: p, offset: 1, task: task, tier: p.tier}
	wh := subscription.Webhook{Subscription: schemas.Subscription{ID: "wh_1", Enabled: true}}
	a := attemptResults["retry"]
	out, _ := d.outcome(wh, []*job{j}, &a, time.Now())
	var tier *kgo.Record
	for _, r := range out.recs {
		if r.Topic == d.names.Tiers[0].Topic {
			tier = r
		}
	}
	if tier == nil {
		t.Fatal("no retry record")
	}
	got := map[string]string{}
	for _, h := range tier.Headers {
		got[h.Key] = string(h.Value)
	}
	want := map[string]string{wire.HeaderEventType: task.EventType, wire.HeaderReplayID: "rpl_1", wire.HeaderLastError: "status 500 \uFFFD"}
	if !maps.Equal(got, want) {
		t.Fatalf("retry record headers %v, want %v", got, want)
	}
	if string(tier.Key) != task.WebhookID {
		t.Fatalf("retry record key %q, want the webhook id", tier.Key)
	}
}

// pointsAt reports whether a carries no event and points at the task record
// topic/partition@offset.
func pointsAt(a schemas.DeliveryAttempt, topic string, partition int32, offset int64) bool {
	return a.Event == "" && !a.EventOmitted && a.TaskTopic == topic && a.TaskPartition == partition && a.TaskOffset == offset
}
