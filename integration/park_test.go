package integration

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// TestAFailingOrderedEndpointIsParkedAndCaughtUp: an entity-ordered
// endpoint that answers 503 has its tasks parked (left in Kafka, not held in
// memory, not written to a retry tier) while a healthy webhook beside it
// gets every task through a pending budget far smaller than the failing
// one's backlog; once the endpoint answers again it gets every task, each
// key in order.
func TestAFailingOrderedEndpointIsParkedAndCaughtUp(t *testing.T) {
	env := kafkatest.Start(t)
	var down atomic.Bool
	down.Store(true)
	flaky := newReceiver(t, func(string, int) int {
		if down.Load() {
			return 503
		}
		return 200
	})
	healthy := newReceiver(t, func(string, int) int { return 200 })
	for _, h := range []struct{ id, url string }{{"flaky", flaky.srv.URL}, {"healthy", healthy.srv.URL}} {
		wh, _ := signedWebhook(t, h.id, h.url)
		wh.Ordering = schemas.OrderingEntity
		// Never failed nor given up for its failures: the test counts on
		// every task being sent once the endpoint answers. With the
		// tiers alone a task retried in place is dead-lettered after
		// its fourth attempt, and how many attempts the first tasks
		// make before the endpoint answers depends on how fast the
		// broker commits the healthy webhook's keys (slowest on a new
		// broker, which first makes its offsets topic).
		wh.AutoDisableAfter = 0
		wh.MaxAttempts = 1000
		putWebhook(t, env, wh)
	}
	cfg := delivererConfig(env)
	cfg.EndpointQueue, cfg.MaxPending, cfg.MaxInFlightPerEndpoint = 8, 64, 4
	reg := prometheus.NewRegistry()
	d := startDelivererWith(t, cfg, reg)
	kafkatest.WaitFor(t, 10*time.Second, "both webhooks in the deliverer's table", func() error {
		_, a := d.Table().Get("flaky")
		_, b := d.Table().Get("healthy")
		return kafkatest.Equal(a && b, true)
	})

	const keys, seqs = 20, 15
	order := map[string][2]int{} // delivery id → key, seq
	var recs []*kgo.Record
	for s := range seqs {
		for k := range keys {
			for _, wh := range []string{"flaky", "healthy"} {
				rec, id := orderedTask(t, env, wh, fmt.Sprintf("k%02d", k), fmt.Sprintf("00000000-0000-4000-8000-%04d%04d%04d", len(wh), k, s))
				order[id] = [2]int{k, s}
				recs = append(recs, rec)
			}
		}
	}
	if err := env.Admin.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	want := keys * seqs
	kafkatest.WaitFor(t, 60*time.Second, "every healthy task while the other endpoint fails", func() error {
		return kafkatest.Reached(len(healthy.succeeded()), want)
	})
	kafkatest.WaitFor(t, 30*time.Second, "the failing endpoint parked", func() error {
		return kafkatest.Reached(int(counterValue(t, reg, "hookstream_deliveries_total", "outcome", "parked")), 1)
	})
	down.Store(false)
	kafkatest.WaitFor(t, 90*time.Second, "every task of the endpoint once it answers", func() error {
		return kafkatest.Reached(len(flaky.succeeded()), want)
	})

	for name, rcv := range map[string]*receiver{"flaky": flaky, "healthy": healthy} {
		last := map[int]int{}
		for _, dl := range rcv.deliveries() {
			ks, ok := order[dl.id]
			if !ok {
				t.Fatalf("%s: a request for unknown delivery %s", name, dl.id)
			}
			if prev, seen := last[ks[0]]; seen && ks[1] < prev {
				t.Errorf("%s: key k%02d got seq %d after %d", name, ks[0], ks[1], prev)
			}
			last[ks[0]] = ks[1]
		}
	}
	// Ordered retries wait in place and parked tasks in the deliveries
	// topic: nothing went to a retry tier, and nothing was given up.
	empty := []string{env.Names.DeadLetters}
	for _, tr := range env.Names.Tiers {
		empty = append(empty, tr.Topic)
	}
	assertEmpty(t, env, empty...)
	t.Logf("flaky: %d requests for %d tasks, %.0f tasks put back at parks", flaky.count(), want, counterValue(t, reg, "hookstream_deliveries_total", "outcome", "parked"))
}

// orderedTask is a task of webhookID for an event keyed key.
func orderedTask(t testing.TB, env *kafkatest.Env, webhookID, key, eventID string) (*kgo.Record, string) {
	t.Helper()
	rec, id := taskRecord(t, env, webhookID, eventID)
	var task schemas.DeliveryTask
	if err := env.Serde.Decode(context.Background(), rec.Value, &task); err != nil {
		t.Fatal(err)
	}
	task.OrderingKey = key
	b, err := env.Serde.Encode(&task)
	if err != nil {
		t.Fatal(err)
	}
	rec.Value = b
	return rec, id
}

// counterValue is the value of the counter name with label = value in reg
// (0 before it was first counted).
func counterValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// assertEmpty fails the test for every partition of topics that has a
// record.
func assertEmpty(t *testing.T, env *kafkatest.Env, topics ...string) {
	t.Helper()
	ends, err := kadm.NewClient(env.Admin).ListEndOffsets(context.Background(), topics...)
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			t.Errorf("%s/%d has %d records, want none", o.Topic, o.Partition, o.Offset)
		}
	})
}
