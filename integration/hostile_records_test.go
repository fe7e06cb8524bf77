package integration

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

// TestHostileRecordsAreRejectedAndDeliveryGoesOn is issue 13's poison pill
// and oversized records on the whole path: an event whose eventType bytes
// were edited into invalid UTF-8, a record at the broker's own size limit
// on the events topic and on the deliveries topic, and a task that is
// delivered but whose retry would not fit. Each ends as one rejected
// record with its reason and origin, within the broker's limit, and an
// ordinary event behind them is delivered.
func TestHostileRecordsAreRejectedAndDeliveryGoesOn(t *testing.T) {
	env := kafkatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rcv := newReceiver(t, func(id string, _ int) int {
		if id == "msg_big" {
			return 500
		}
		return 200
	})
	wh, _ := signedWebhook(t, "all", rcv.srv.URL+"/hook")
	putWebhook(t, env, wh)
	rejected := &rawRecords{}
	watchRaw(t, env, env.Names.Rejected, rejected.add)
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	startRouter(t, env)
	startDeliverer(t, delivererConfig(env))

	// Another producer, allowed records up to the broker's own limit.
	upstream, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ProducerBatchMaxBytes(1_048_576))
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	encode := func(v any) []byte {
		b, err := env.Serde.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bigTask, _ := taskRecord(t, env, "all", "e-big")
	var task schemas.DeliveryTask
	if err := env.Serde.Decode(ctx, bigTask.Value, &task); err != nil {
		t.Fatal(err)
	}
	task.DeliveryID, task.Event = "msg_big", `{"eventId":"e-big","pad":"`+strings.Repeat("x", 1_000_500)+`"}`
	hostile := []struct {
		name, topic, reason, component string
		value                          []byte
		cut                            bool
	}{
		{"poison", env.Names.MetadataChanges, "UTF-8", "router", encode(metaEvent("e-poison", "entity\xffCreated", "table")), false},
		{"big garbage event", env.Names.MetadataChanges, "wire header", "router", append([]byte{0xff}, make([]byte, 1_048_300)...), true},
		{"big garbage task", env.Names.Deliveries, "wire header", "deliverer", append([]byte{0xff}, make([]byte, 1_048_300)...), true},
		{"task whose retry does not fit", env.Names.Deliveries, "record size limit", "deliverer", encode(&task), true},
	}
	offsets := map[string]int64{}
	for _, h := range hostile {
		rec := &kgo.Record{Topic: h.topic, Key: []byte("all"), Value: h.value}
		if err := upstream.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatalf("produce %s: %v", h.name, err)
		}
		offsets[h.name] = rec.Offset
	}
	const eventID = "00000000-0000-4000-8000-0000000000h1"
	produceValue(t, env, env.Names.MetadataChanges, "e", metaEvent(eventID, "entityCreated", "table"))

	bigAttempt := func(a schemas.DeliveryAttempt) bool { return a.DeliveryID == "msg_big" }
	kafkatest.WaitFor(t, 60*time.Second, "the ordinary event delivered, four records rejected, the big task's attempt recorded", func() error {
		return errors.Join(
			kafkatest.Named("deliveries of the ordinary event", kafkatest.Equal(rcv.succeeded()[source.DeliveryID(eventID, "all")], 1)),
			kafkatest.Named("rejected records", kafkatest.Reached(len(rejected.snapshot()), len(hostile))),
			kafkatest.Named("the big task's attempts", kafkatest.Reached(attempts.count(bigAttempt), 1)))
	})
	type origin struct {
		topic  string
		offset int64
	}
	seen := map[origin]bool{}
	for _, r := range rejected.snapshot() {
		if !kafka.Fits(r) {
			t.Errorf("rejected record of %d bytes", kafka.RecordBytes(r))
		}
		var rr schemas.RejectedRecord
		if err := env.Serde.Decode(ctx, r.Value, &rr); err != nil {
			t.Fatal(err)
		}
		seen[origin{rr.Topic, rr.Offset}] = true
		found := false
		for _, h := range hostile {
			if rr.Topic != h.topic || rr.Offset != offsets[h.name] {
				continue
			}
			found = true
			if rr.Component != h.component || !strings.Contains(rr.Reason, h.reason) || rr.Truncated != h.cut || rr.ValueSize != int64(len(h.value)) {
				t.Errorf("%s: rejected by %s, truncated %v, valueSize %d: %q", h.name, rr.Component, rr.Truncated, rr.ValueSize, rr.Reason)
			}
		}
		if !found {
			t.Errorf("rejected record of %s@%d matches no hostile record: %q", rr.Topic, rr.Offset, rr.Reason)
		}
	}
	if len(seen) != len(hostile) {
		t.Errorf("rejected records of %d origins, want %d", len(seen), len(hostile))
	}
	// The big task was sent once; its attempt record points at the task
	// (no copy of its event) and says that the task ended rejected.
	var bigAttempts []schemas.DeliveryAttempt
	for _, a := range attempts.snapshot() {
		if bigAttempt(a) {
			bigAttempts = append(bigAttempts, a)
		}
	}
	if len(bigAttempts) != 1 || bigAttempts[0].Outcome != "rejected" || bigAttempts[0].Event != "" || bigAttempts[0].TaskTopic == "" || bigAttempts[0].StatusCode != 500 {
		t.Errorf("%d attempt records of the big task, want one rejected pointing at its task", len(bigAttempts))
	}
}

// rawRecords keeps the records of a topic as they arrive, undecoded.
type rawRecords struct {
	mu   sync.Mutex
	recs []*kgo.Record
}

func (r *rawRecords) add(rec *kgo.Record) { r.mu.Lock(); r.recs = append(r.recs, rec); r.mu.Unlock() }

func (r *rawRecords) snapshot() []*kgo.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*kgo.Record(nil), r.recs...)
}

// watchRaw calls onRecord with every committed record of topicName until
// the test ends.
func watchRaw(t *testing.T, env *kafkatest.Env, topicName string, onRecord func(*kgo.Record)) {
	t.Helper()
	c, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(topicName),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			c.PollFetches(ctx).EachRecord(onRecord)
		}
	}()
	t.Cleanup(func() { cancel(); <-done; c.Close() })
}
