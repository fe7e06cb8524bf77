package subscription

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/schemas"
)

// Follower keeps a Table current from the subscriptions and status topics.
// It consumes without a group: every process needs every record.
type Follower struct {
	opts        []kgo.Opt
	subsTopic   string
	statusTopic string
	serde       *schemas.Serde
	table       *Table
	log         *slog.Logger

	readyOnce sync.Once
	ready     chan struct{}

	mu      sync.Mutex
	applied map[topicPartition]int64 // next offset to apply
	moved   chan struct{}            // closed and replaced when applied moves
}

// NewFollower returns a follower; opts are the base client options (brokers).
func NewFollower(opts []kgo.Opt, subsTopic, statusTopic string, serde *schemas.Serde, table *Table, log *slog.Logger) *Follower {
	return &Follower{opts: opts, subsTopic: subsTopic, statusTopic: statusTopic, serde: serde, table: table, log: log, ready: make(chan struct{}),
		applied: map[topicPartition]int64{}, moved: make(chan struct{})}
}

// Ready is closed once both topics were read to the offsets they had when Run
// started: from then on the table holds at least everything written before.
func (f *Follower) Ready() <-chan struct{} { return f.ready }

// Run follows both topics until ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	client, err := kgo.NewClient(append(f.opts[:len(f.opts):len(f.opts)],
		kgo.ConsumeTopics(f.subsTopic, f.statusTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(200e6), // 200 ms: changes apply well within a second
	)...)
	if err != nil {
		return fmt.Errorf("follow subscriptions: %w", err)
	}
	defer client.Close()
	pending, err := endOffsets(ctx, client, f.subsTopic, f.statusTopic)
	if err != nil {
		return err
	}
	f.checkReady(pending)
	for {
		fs, idle := f.poll(ctx, client, len(pending) > 0)
		if ctx.Err() != nil {
			return nil
		}
		if idle {
			// A fetch that waited and brought nothing means every
			// partition is at its end, even one whose last record
			// compaction removed.
			clear(pending)
		}
		fs.EachError(func(t string, p int32, err error) {
			f.log.Warn("follow subscriptions: fetch", "topic", t, "partition", p, "err", err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			f.apply(ctx, r)
			key := topicPartition{r.Topic, r.Partition}
			if end, ok := pending[key]; ok && r.Offset+1 >= end {
				delete(pending, key)
			}
		})
		f.checkReady(pending)
		f.markApplied(fs)
	}
}

// poll waits at most a second while catching up, so an idle topic still
// lets the follower declare itself ready.
func (f *Follower) poll(ctx context.Context, client *kgo.Client, catchingUp bool) (fs kgo.Fetches, idle bool) {
	if !catchingUp {
		return client.PollFetches(ctx), false
	}
	pollCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	fs = client.PollFetches(pollCtx)
	if pollCtx.Err() != nil && ctx.Err() == nil && fs.NumRecords() == 0 {
		return nil, true
	}
	return fs, false
}

// markApplied moves the applied offsets past the records of fs and wakes
// WaitApplied callers.
func (f *Follower) markApplied(fs kgo.Fetches) {
	f.mu.Lock()
	defer f.mu.Unlock()
	moved := false
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if n := len(p.Records); n > 0 {
			f.applied[topicPartition{p.Topic, p.Partition}] = p.Records[n-1].Offset + 1
			moved = true
		}
	})
	if moved {
		close(f.moved)
		f.moved = make(chan struct{})
	}
}

// WaitApplied returns once the record at offset of topic/partition is in
// the table: the control API calls it after a write, so a read that follows
// the write sees it.
func (f *Follower) WaitApplied(ctx context.Context, topic string, partition int32, offset int64) error {
	key := topicPartition{topic, partition}
	for {
		f.mu.Lock()
		done, moved := f.applied[key] > offset, f.moved
		f.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("wait for %s/%d@%d to be applied: %w", topic, partition, offset, ctx.Err())
		}
	}
}

func (f *Follower) checkReady(pending map[topicPartition]int64) {
	if len(pending) == 0 {
		f.readyOnce.Do(func() { close(f.ready) })
	}
}

func (f *Follower) apply(ctx context.Context, r *kgo.Record) {
	id := string(r.Key)
	if r.Topic == f.subsTopic {
		if r.Value == nil {
			f.table.DeleteSubscription(id)
			return
		}
		var s schemas.Subscription
		if err := f.serde.Decode(ctx, r.Value, &s); err != nil {
			f.log.Error("skip undecodable subscription", "offset", r.Offset, "key", id, "err", err)
			return
		}
		f.table.PutSubscription(s)
		return
	}
	if r.Value == nil {
		f.table.DeleteStatus(id)
		return
	}
	var s schemas.SubscriptionStatus
	if err := f.serde.Decode(ctx, r.Value, &s); err != nil {
		f.log.Error("skip undecodable subscription status", "offset", r.Offset, "key", id, "err", err)
		return
	}
	f.table.PutStatus(s)
}

type topicPartition struct {
	topic     string
	partition int32
}

// endOffsets returns the last stable offset of every non-empty partition.
func endOffsets(ctx context.Context, client *kgo.Client, topics ...string) (map[topicPartition]int64, error) {
	ends, err := kadm.NewClient(client).ListCommittedOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %v: %w", topics, err)
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("list end offsets of %v: %w", topics, err)
	}
	out := map[topicPartition]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			out[topicPartition{o.Topic, o.Partition}] = o.Offset
		}
	})
	return out, nil
}

// Follow keeps table current from the two topics and runs then once the
// table holds everything written before Follow started: a component must
// not route or deliver against a half-loaded table. It returns when ctx ends
// or either of the two fails.
func Follow(ctx context.Context, f *Follower, then func(context.Context) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return f.Run(gctx) })
	g.Go(func() error {
		select {
		case <-f.Ready():
		case <-gctx.Done():
			return nil
		}
		return then(gctx)
	})
	return g.Wait()
}
