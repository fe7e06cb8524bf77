package subscription

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/platform/tail"
	"github.com/hookstream/hookstream/schemas"
)

// Follower keeps a Table current from the subscriptions and status topics.
// It consumes without a group: every process needs every record.
type Follower struct {
	tail        *tail.Tail
	subsTopic   string
	statusTopic string
	serde       *schemas.Serde
	table       *Table
	log         *slog.Logger

	mu      sync.Mutex
	applied map[topicPartition]int64 // next offset to apply
	moved   chan struct{}            // closed and replaced when applied moves
}

// NewFollower returns a follower; opts are the base client options (brokers).
func NewFollower(opts []kgo.Opt, subsTopic, statusTopic string, serde *schemas.Serde, table *Table, log *slog.Logger) *Follower {
	f := &Follower{subsTopic: subsTopic, statusTopic: statusTopic, serde: serde, table: table, log: log,
		applied: map[topicPartition]int64{}, moved: make(chan struct{})}
	f.tail = tail.New(opts, f.apply, log, subsTopic, statusTopic)
	f.tail.AfterFetch(f.markApplied)
	return f
}

// Ready is closed once both topics were read to the offsets they had when Run
// started: from then on the table holds at least everything written before.
func (f *Follower) Ready() <-chan struct{} { return f.tail.Ready() }

// Run follows both topics until ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	if err := f.tail.Run(ctx); err != nil {
		return fmt.Errorf("follow subscriptions: %w", err)
	}
	return nil
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
