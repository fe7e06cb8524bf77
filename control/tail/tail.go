// Package tail reads one topic from its start and keeps reading, without a
// consumer group: every API replica builds the same index from the whole
// topic (history from hookstream.attempts, dead letters from
// hookstream.dead-letters), so Kafka stays the source of truth and a restart
// loses nothing.
package tail

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Tail follows one topic.
type Tail struct {
	opts  []kgo.Opt
	topic string
	apply func(*kgo.Record)
	log   *slog.Logger

	once  sync.Once
	ready chan struct{}
}

// New returns a tail of topic that calls apply for every record, in offset
// order per partition, from one goroutine. opts are the base client options.
func New(opts []kgo.Opt, topic string, apply func(*kgo.Record), log *slog.Logger) *Tail {
	return &Tail{opts: opts, topic: topic, apply: apply, log: log, ready: make(chan struct{})}
}

// Ready is closed once every record written before Run started was applied.
func (t *Tail) Ready() <-chan struct{} { return t.ready }

// Run reads until ctx ends.
func (t *Tail) Run(ctx context.Context) error {
	client, err := kgo.NewClient(append(t.opts[:len(t.opts):len(t.opts)],
		kgo.ConsumeTopics(t.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(200*time.Millisecond),
	)...)
	if err != nil {
		return fmt.Errorf("tail %s: %w", t.topic, err)
	}
	defer client.Close()
	ends, err := kadm.NewClient(client).ListCommittedOffsets(ctx, t.topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return fmt.Errorf("tail %s: list end offsets: %w", t.topic, err)
	}
	pending := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			pending[o.Partition] = o.Offset
		}
	})
	for {
		if len(pending) == 0 {
			t.once.Do(func() { close(t.ready) })
		}
		fs, idle := t.poll(ctx, client, len(pending) > 0)
		if ctx.Err() != nil {
			return nil
		}
		if idle {
			// Nothing arrived in a second: every partition is at its end
			// (its last offsets may be transaction markers).
			clear(pending)
		}
		fs.EachError(func(_ string, p int32, err error) {
			t.log.Warn("tail: fetch", "topic", t.topic, "partition", p, "err", err)
		})
		fs.EachRecord(func(r *kgo.Record) {
			t.apply(r)
			if end, ok := pending[r.Partition]; ok && r.Offset+1 >= end {
				delete(pending, r.Partition)
			}
		})
	}
}

func (t *Tail) poll(ctx context.Context, client *kgo.Client, catchingUp bool) (kgo.Fetches, bool) {
	if !catchingUp {
		return client.PollFetches(ctx), false
	}
	pollCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	fs := client.PollFetches(pollCtx)
	if pollCtx.Err() != nil && ctx.Err() == nil && fs.NumRecords() == 0 {
		return nil, true
	}
	return fs, false
}
