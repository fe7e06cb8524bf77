package integration

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// TestOrderPerKeyThroughFailuresAndAKill checks the ordering guarantee on
// every request an endpoint sees: metadata changes of many entities go to
// two entity-ordered webhooks and one endpoint-ordered webhook while the
// endpoint fails about 30% of first and second attempts and the deliverer,
// a real process, is killed with SIGKILL mid-stream and started again. Per
// (webhook, entity) no request may carry an earlier change than one before
// it — a repeat is allowed, the crash may have cut the commit of the last
// delivery — and no two requests of one entity may overlap; the endpoint
// webhook's requests follow the log across entities, one at a time.
func TestOrderPerKeyThroughFailuresAndAKill(t *testing.T) {
	env := kafkatest.Start(t)
	bin := buildHookstream(t)
	// The failures are a function of the delivery and its request count,
	// so a rerun fails the same requests (a kill's repeats aside); none
	// after the second, so nothing is dead-lettered and every pair is
	// eventually answered 2xx.
	rcv := newOrderReceiver(t, 2*time.Millisecond, func(id string, n int) bool {
		if n > 2 {
			return false
		}
		h := fnv.New32a()
		_, _ = fmt.Fprintf(h, "%s#%d", id, n)
		return h.Sum32()%100 < 30
	})
	hooks := []struct{ id, ordering string }{
		{"by-entity", schemas.OrderingEntity},
		// A record written before the field existed: entity, the default.
		{"by-entity-default", ""},
		{"whole-endpoint", schemas.OrderingEndpoint},
	}
	for _, h := range hooks {
		wh, _ := signedWebhook(t, h.id, rcv.srv.URL)
		wh.Ordering = h.ordering
		putWebhook(t, env, wh)
	}
	r := startRouter(t, env)
	kafkatest.WaitFor(t, 10*time.Second, "the webhooks in the router's table", func() error {
		all, _ := r.Table().All()
		return kafkatest.Equal(len(all), len(hooks))
	})

	const keys, seqs = 20, 25
	pairs := keys * seqs * len(hooks)
	tiers := config.Durations(kafkatest.Tiers)
	args := []string{"deliverer", "--brokers", strings.Join(env.Brokers, ","), "--registry", env.RegistryURL,
		"--topic-prefix", env.Names.Prefix, "--retry-tiers", tiers.String(), "--partitions", strconv.Itoa(int(env.Partitions)),
		"--group", env.Names.Prefix + "deliverer", "--secret-key", testSecretKey, "--allow-loopback-endpoints",
		"--circuit-cooldown", "200ms", "--metrics-addr", "", "--log-level", "warn"}
	first := startProcess(t, bin, args...)

	ctx, cancel := context.WithCancel(context.Background())
	killed := make(chan struct{})
	produced, producerDone := make(chan error, 1), make(chan struct{})
	var progress atomic.Int64
	go func() {
		defer close(producerDone)
		produced <- produceInOrder(ctx, env, keys, seqs, seqs*3/4, killed, &progress)
	}()
	t.Cleanup(func() {
		cancel()
		<-producerDone
	})

	kafkatest.WaitFor(t, 60*time.Second, "the first deliverer to deliver some", func() error {
		return kafkatest.Reached(rcv.delivered(), pairs/8)
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt, producedAt := rcv.delivered(), progress.Load()
	close(killed)
	second := startProcess(t, bin, args...)

	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		s := rcv.snapshot()
		for _, h := range hooks {
			for k := range keys {
				xs := s.seqs[hookKey{h.id, entityOf(k)}]
				seen := map[int]bool{}
				for _, x := range xs {
					seen[x] = true
				}
				if len(seen) != seqs {
					t.Logf("DEBUG %s %s: %v", h.id, entityOf(k), xs)
				}
			}
		}
	})
	kafkatest.WaitFor(t, 120*time.Second, "every (event, webhook) pair answered 2xx", func() error {
		return kafkatest.Reached(rcv.delivered(), pairs)
	})
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	// SIGTERM: the deliverer finishes what it sent and exits, so the
	// receiver has seen every request before it is read.
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- second.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("deliverer after SIGTERM: %v, want exit status 0", err)
		}
	case <-time.After(30 * time.Second):
		_ = second.Process.Kill()
		<-exited
		t.Errorf("deliverer still running 30s after SIGTERM; killed")
	}

	s := rcv.snapshot()
	t.Logf("%d pairs; killed after %d delivered and %d of %d events produced; %d requests, %d failures injected, %d duplicate deliveries; most in flight per webhook %v, per key %v",
		pairs, killedAt, producedAt, keys*seqs, s.requests, s.injected, s.duplicates, s.maxHook, s.maxKey)
	for _, m := range s.malformed {
		t.Errorf("a request the receiver could not place: %s", m)
	}
	const shown = 10
	violations := 0
	for _, h := range hooks {
		for k := range keys {
			xs := s.seqs[hookKey{h.id, entityOf(k)}]
			if i := firstDrop(xs); i >= 0 {
				if violations++; violations <= shown {
					t.Errorf("%s, %s: seq %d after %d (request %d of %d); every request's seq: %v", h.id, entityOf(k), xs[i], xs[i-1], i+1, len(xs), xs)
				}
			}
		}
		if n := s.maxKey[h.id]; n > 1 {
			t.Errorf("%s: %d requests of one entity in flight at once, want at most 1", h.id, n)
		}
	}
	if violations > shown {
		t.Errorf("%d (webhook, entity) sequences out of order in all, %d shown", violations, shown)
	}
	endpoint := hooks[2].id
	xs := s.indexes[endpoint]
	if i := firstDrop(xs); i >= 0 {
		t.Errorf("%s: event %d of the log after event %d; production index of each request, %s", endpoint, xs[i], xs[i-1], around(xs, i, 8))
	}
	if n := s.maxHook[endpoint]; n > 1 {
		t.Errorf("%s: %d requests in flight at once, want 1", endpoint, n)
	}
}

func entityOf(k int) string { return fmt.Sprintf("ent-%02d", k) }

// produceInOrder writes seqs rounds of one change of every one of keys
// entities, the entities in a new order each round, recording in progress
// how many it wrote. Rounds from gate on wait for killed, so the kill lands
// with changes still to come whatever the machine's speed.
//
// Every record goes to partition 0: the endpoint mode promises the log's
// order, and only one partition's records have a single order, which this
// makes the production order. Each event carries its seq (per entity) and
// its index (in the log) in entity.customMetadata, where the receiver reads
// them.
func produceInOrder(ctx context.Context, env *kafkatest.Env, keys, seqs, gate int, killed <-chan struct{}, progress *atomic.Int64) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return fmt.Errorf("producer client: %w", err)
	}
	defer cl.Close()
	rng := rand.New(rand.NewPCG(15, 15))
	order := rng.Perm(keys)
	index := 0
	for seq := 1; seq <= seqs; seq++ {
		if seq == gate {
			select {
			case <-killed:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		recs := make([]*kgo.Record, 0, keys)
		for _, k := range order {
			ev := &schemas.MetadataChangeEvent{
				EventID: fmt.Sprintf("00000000-0000-4000-8000-%06d%06d", k, seq), EventType: "entityUpdated", Timestamp: time.Now().UnixMilli(),
				Entity: schemas.Entity{ID: entityOf(k), Type: "table", Name: "orders", Tags: []string{},
					CustomMetadata: map[string]string{"seq": strconv.Itoa(seq), "index": strconv.Itoa(index)}},
			}
			index++
			b, err := env.Serde.Encode(ev)
			if err != nil {
				return fmt.Errorf("encode event %s: %w", ev.EventID, err)
			}
			recs = append(recs, &kgo.Record{Topic: env.Names.MetadataChanges, Partition: 0, Key: []byte(ev.Entity.ID), Value: b})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return fmt.Errorf("produce round %d: %w", seq, err)
		}
		progress.Store(int64(index))
		// Spread the stream over seconds so the kill lands in it.
		select {
		case <-time.After(120 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
