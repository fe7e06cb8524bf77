package deliver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/outbound/credential"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/schemas"
)

// benchDeliverer is an offlineDeliverer with webhooks webhooks: enough
// for the poll side (take, decode, admit, dispatch to endpoint queues) and
// the worker's pick of the next batch, as long as nothing is deferred,
// paused, sent or produced.
func benchDeliverer(b *testing.B, webhooks int) *Deliverer {
	b.Helper()
	d := offlineDeliverer(b)
	for i := range webhooks {
		sealed, err := d.sealer.Seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		if err != nil {
			b.Fatal(err)
		}
		d.table.PutSubscription(schemas.Subscription{ID: benchWebhookID(i), Enabled: true, Global: true, EncryptedSecret: sealed})
		// Every worker of the endpoint is busy: enqueue only queues, and
		// the benchmark plays the worker that calls next.
		d.endpoint(benchWebhookID(i)).workers = d.cfg.MaxInFlightPerEndpoint
	}
	return d
}

func benchWebhookID(i int) string { return fmt.Sprintf("wh_%04d", i) }

// benchTask is a first delivery task with a ~1 KiB event.
func benchTask(webhookID string) schemas.DeliveryTask {
	at := time.Date(2026, 5, 12, 6, 0, 2, 0, time.UTC)
	event := `{"eventId":"6f1c5d8e-0000-4000-8000-000000000001","eventType":"entityUpdated","entity":{"description":"`
	event += strings.Repeat("x", 1024-len(event)-3) + `"}}`
	return schemas.DeliveryTask{
		DeliveryID: "msg_3a7bd3e2360a3d29eea436fcfb7e44c7", WebhookID: webhookID, EventID: "6f1c5d8e-0000-4000-8000-000000000001",
		EventType: "entityUpdated", Event: event, EventTime: at, SourceTopic: "hookstream.metadata-changes",
		SourcePartition: 3, SourceOffset: 421337, RoutedAt: at, Attempt: 1, NotBefore: at,
	}
}

// BenchmarkDispatch is the life of one decoded task in the deliverer's
// queues, without decode, HTTP or Kafka: the partition takes the offset
// (low-water tracking, pending budget), admit hands the job to its
// endpoint's queue (dispatch, enqueue), the endpoint's worker picks it
// (next, batchSize looked up in the table), and its outcome finishes it
// (done: low-water mark, budget). Tasks go round-robin over the webhooks.
func BenchmarkDispatch(b *testing.B) {
	for _, webhooks := range []int{1, 1000} {
		b.Run(fmt.Sprintf("webhooks=%d", webhooks), func(b *testing.B) {
			d := benchDeliverer(b, webhooks)
			tasks := make([]schemas.DeliveryTask, webhooks)
			eps := make([]*endpoint, webhooks)
			for i := range tasks {
				tasks[i] = benchTask(benchWebhookID(i))
				eps[i] = d.endpoint(benchWebhookID(i))
			}
			// The fetched records belong to the client; one is reused so
			// that only the deliverer's own allocations are counted.
			rec := &kgo.Record{Topic: d.names.Deliveries}
			p := d.partition(d.names.Deliveries, 0)
			now := time.Now()
			var off int64
			b.ReportAllocs()
			for b.Loop() {
				i := int(off) % webhooks
				rec.Offset = off
				trk := p.take(rec)
				if trk == nil {
					b.Fatal("offset not taken")
				}
				d.budget.add()
				j := &job{part: p, offset: rec.Offset, task: tasks[i], trk: trk, tier: p.tier}
				d.admit(j, now)
				batch := eps[i].next()
				if len(batch) != 1 || batch[0] != j {
					b.Fatalf("picked %d jobs", len(batch))
				}
				j.done()
				off++
			}
			if d.budget.count() != 0 {
				b.Fatalf("%d records still pending", d.budget.count())
			}
		})
	}
}

// BenchmarkTakeRecords is the poll loop's share of a fetch of 100 records
// (takeRecords: take, Avro decode of the DeliveryTask, admit, dispatch),
// followed by the workers' pick and finish of every job (as in
// BenchmarkDispatch). SetBytes is the fetched record bytes; ns/record is the
// time per record.
func BenchmarkTakeRecords(b *testing.B) {
	const batch = 100
	for _, webhooks := range []int{1, 1000} {
		b.Run(fmt.Sprintf("webhooks=%d", webhooks), func(b *testing.B) {
			d := benchDeliverer(b, webhooks)
			ctx := context.Background()
			recs := make([]*kgo.Record, batch)
			size := 0
			for i := range recs {
				t := benchTask(benchWebhookID(i % webhooks))
				wire, err := d.serde.Encode(&t)
				if err != nil {
					b.Fatal(err)
				}
				recs[i] = &kgo.Record{Topic: d.names.Deliveries, Key: []byte(t.WebhookID), Value: wire}
				size += len(wire)
			}
			eps := make([]*endpoint, min(webhooks, batch))
			for i := range eps {
				eps[i] = d.endpoint(benchWebhookID(i))
			}
			now := time.Now()
			var off int64
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, r := range recs {
					r.Offset = off
					off++
				}
				d.takeRecords(ctx, d.names.Deliveries, 0, recs, now)
				for _, e := range eps {
					for {
						jobs := e.next()
						if jobs == nil {
							// next ended the worker; the benchmark
							// plays it again.
							e.mu.Lock()
							e.workers++
							e.mu.Unlock()
							break
						}
						for _, j := range jobs {
							if j.bad != nil {
								b.Fatal(j.bad)
							}
							j.done()
						}
					}
				}
			}
			if d.budget.count() != 0 {
				b.Fatalf("%d records still pending", d.budget.count())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(off), "ns/record")
		})
	}
}

// BenchmarkSecrets is opening a webhook's sealed secret and headers
// (AES-256-GCM), which the worker does before every request.
func BenchmarkSecrets(b *testing.B) {
	d := benchDeliverer(b, 1)
	wh, ok := d.table.Get(benchWebhookID(0))
	if !ok {
		b.Fatal("no webhook")
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if c, err := credential.Open(d.sealer, &wh.Subscription, now); err != nil || len(c.Secrets) != 1 {
			b.Fatal(c.Secrets, err)
		}
	}
}

// BenchmarkAttemptRecord is the attempt record written after every request
// (attemptRecord and its Avro encode into the outbox), with the request
// headers a standard-signed request carries; the record points at its task
// instead of copying the event. SetBytes is the encoded record.
func BenchmarkAttemptRecord(b *testing.B) {
	d := benchDeliverer(b, 1)
	p := newPartition(d.names.Deliveries, 0, outcome.NoTier)
	j := &job{part: p, task: benchTask(benchWebhookID(0)), trk: &p.main, tier: p.tier}
	a := attempt{
		result: outcome.Result{Kind: outcome.Success},
		res: send.Result{StatusCode: 204, Latency: 3 * time.Millisecond, RequestHeader: http.Header{
			"Content-Type": {"application/json"}, "User-Agent": {"hookstream/dev"}, "Authorization": {send.Redacted},
			"Webhook-Id": {j.task.DeliveryID}, "Webhook-Timestamp": {"1778565602"},
			"Webhook-Signature": {"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
		}},
	}
	now := time.Now().UTC()
	var out outbox
	rec := d.attemptRecord(j, a, now)
	out.add(d.serde, d.names.Attempts, j.task.WebhookID, &rec)
	if out.err != nil {
		b.Fatal(out.err)
	}
	b.SetBytes(int64(len(out.recs[0].Value)))
	b.ReportAllocs()
	for b.Loop() {
		var out outbox
		rec := d.attemptRecord(j, a, now)
		rec.Outcome = outcomeSuccess
		out.add(d.serde, d.names.Attempts, j.task.WebhookID, &rec)
		if out.err != nil {
			b.Fatal(out.err)
		}
	}
}

// BenchmarkSnapshot is a partition's part of every commit: a window of
// thousands in flight finished in an interleaved order, as a burst to many
// webhooks of one partition leaves it, so that the runs fill the metadata.
func BenchmarkSnapshot(b *testing.B) {
	p := newPartition("deliveries", 0, outcome.NoTier)
	const window = 4000
	for o := int64(0); o < window; o++ {
		p.main.lw.Add(o)
	}
	for o := int64(1); o < window; o++ {
		if o%3 != 0 {
			p.main.lw.Done(o)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if s, _, ok := p.snapshot(); !ok || s.meta == "" {
			b.Fatal("no snapshot")
		}
	}
}

// BenchmarkCommitMetaFew is the metadata of the usual commit: a partition
// whose window has a few finished offsets above its mark and no lanes, as
// the commit loop writes many times a second under load.
func BenchmarkCommitMetaFew(b *testing.B) {
	runs := []int64{1, 3, 2, 5, 1, 8}
	b.ReportAllocs()
	for b.Loop() {
		if meta, _, _ := encodeCommitMeta(1_000_000, runs, nil); meta == "" {
			b.Fatal("no metadata")
		}
	}
}
