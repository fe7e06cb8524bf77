package route

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// The poison pill and the oversized records of issue 13 on a broker: each
// is rejected with its reason and origin, the rejected records fit, and
// the event behind them is still routed.
func TestHostileRecordsDoNotStopRouting(t *testing.T) {
	env := kafkatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	put := everything
	put.Enabled, put.CreatedAt, put.UpdatedAt = true, time.Now().UTC(), time.Now().UTC()
	produce(ctx, t, env.Admin, env.Names.Subscriptions, put.ID, encode(t, env.Serde, &put))

	reg := prometheus.NewRegistry()
	r := New(Config{
		Common: config.Common{
			Brokers: env.Brokers, Registry: env.RegistryURL, TopicPrefix: env.Names.Prefix,
			RetryTiers: kafkatest.Tiers, Partitions: int(env.Partitions), LogLevel: "warn", ClientID: "route-test",
		},
		Group: env.Names.Prefix + "router", TransactionalID: env.Names.Prefix + "router-1",
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("router: %v", err)
		}
	}()

	// An upstream producer allowed records up to the broker's own limit.
	big, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ProducerBatchMaxBytes(1_048_576))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	bigEvent := metaEvent("e-big", "entityUpdated")
	bigEvent.Entity.Description = strings.Repeat("d", 1_048_300)
	hostile := map[string][]byte{
		"poison":  encode(t, env.Serde, metaEvent("e-poison", "entity\xffCreated")),
		"garbage": append([]byte{0xff}, make([]byte, 1_048_300)...),
		"big":     encode(t, env.Serde, bigEvent),
	}
	origin := map[string]*kgo.Record{}
	for name, v := range hostile {
		rec := &kgo.Record{Topic: env.Names.MetadataChanges, Key: []byte("ent-" + name), Value: v}
		if err := big.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatalf("produce %s: %v", name, err)
		}
		origin[name] = rec
	}
	produce(ctx, t, env.Admin, env.Names.MetadataChanges, "ent-e-after", encode(t, env.Serde, metaEvent("e-after", "entityCreated")))

	var (
		mu       sync.Mutex
		rejected []schemas.RejectedRecord
		tasks    []schemas.DeliveryTask
	)
	watch(t, env, env.Names.Rejected, func(rec *kgo.Record) {
		var rr schemas.RejectedRecord
		if !kafka.Fits(rec) {
			t.Errorf("rejected record of %d bytes", kafka.RecordBytes(rec))
		}
		if err := env.Serde.Decode(ctx, rec.Value, &rr); err != nil {
			t.Errorf("decode rejected: %v", err)
		}
		mu.Lock()
		rejected = append(rejected, rr)
		mu.Unlock()
	})
	watch(t, env, env.Names.Deliveries, func(rec *kgo.Record) {
		var task schemas.DeliveryTask
		if err := env.Serde.Decode(ctx, rec.Value, &task); err != nil {
			t.Errorf("decode task: %v", err)
		}
		mu.Lock()
		tasks = append(tasks, task)
		mu.Unlock()
	})
	kafkatest.WaitFor(t, 60*time.Second, "three rejected records and the later event's task", func() error {
		mu.Lock()
		defer mu.Unlock()
		return errors.Join(kafkatest.Named("rejected records", kafkatest.Reached(len(rejected), 3)), kafkatest.Named("tasks", kafkatest.Reached(len(tasks), 1)))
	})
	mu.Lock()
	defer mu.Unlock()
	if len(tasks) != 1 || tasks[0].EventID != "e-after" {
		t.Fatalf("tasks %+v, want the one of e-after", tasks)
	}
	reasons := map[string]string{"poison": "UTF-8", "garbage": "wire header", "big": "record size limit"}
	for _, rr := range rejected {
		name := strings.TrimPrefix(string(rr.Key), "ent-")
		o, ok := origin[name]
		if !ok {
			t.Fatalf("rejected record of unknown key %q", rr.Key)
		}
		if rr.Topic != o.Topic || rr.Partition != o.Partition || rr.Offset != o.Offset || rr.Component != "router" {
			t.Errorf("%s: origin %s/%d@%d, want %s/%d@%d", name, rr.Topic, rr.Partition, rr.Offset, o.Topic, o.Partition, o.Offset)
		}
		if !strings.Contains(rr.Reason, reasons[name]) {
			t.Errorf("%s: reason %q does not say %q", name, rr.Reason, reasons[name])
		}
		if rr.ValueSize != int64(len(o.Value)) || rr.Truncated != (name != "poison") {
			t.Errorf("%s: valueSize %d truncated %v", name, rr.ValueSize, rr.Truncated)
		}
		delete(origin, name)
	}
	if got := testutil.ToFloat64(r.metrics.transactions.WithLabelValues("aborted")); got != 0 {
		t.Errorf("%v transactions aborted", got)
	}
}

func encode(t *testing.T, serde *schemas.Serde, v any) []byte {
	t.Helper()
	b, err := serde.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func produce(ctx context.Context, t *testing.T, client *kgo.Client, topicName, key string, value []byte) {
	t.Helper()
	if err := client.ProduceSync(ctx, &kgo.Record{Topic: topicName, Key: []byte(key), Value: value}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// watch calls onRecord for every committed record of topicName until the
// test ends.
func watch(t *testing.T, env *kafkatest.Env, topicName string, onRecord func(*kgo.Record)) {
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
