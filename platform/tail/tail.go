// Package tail reads Kafka topics without a consumer group, from a start to
// the end they had when the read began, and, when asked, keeps following
// them. Every whole-topic reader of hookstream goes through it: the
// subscription table, the API's history and dead-letter indexes, the schema
// store and replay. They share one rule for "read to the end" (see
// [reader.catchUp]), so none of them declares itself loaded early or waits
// forever on a topic whose last offsets hold no records.
package tail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// idleWindow is how long a poll may bring nothing before the read counts as
// at its end. The broker answers a fetch at once when records are there, so
// a poll that waits this long and brings none means the remaining offsets
// below the end hold no records: transaction markers, aborted records, or
// records compaction removed.
const idleWindow = time.Second

// fetchMaxWait bounds how long the broker holds an empty fetch, so a poll
// in idleWindow sees at least one answer and a followed change applies well
// within a second.
const fetchMaxWait = 200 * time.Millisecond

// Offsets are offsets by topic and partition.
type Offsets map[string]map[int32]int64

// Set records offset for topic/partition.
func (o Offsets) Set(topic string, partition int32, offset int64) {
	if o[topic] == nil {
		o[topic] = map[int32]int64{}
	}
	o[topic][partition] = offset
}

func (o Offsets) lookup(topic string, partition int32) (int64, bool) {
	v, ok := o[topic][partition]
	return v, ok
}

func (o Offsets) drop(topic string, partition int32) {
	delete(o[topic], partition)
	if len(o[topic]) == 0 {
		delete(o, topic)
	}
}

// Tail follows whole topics from their start.
type Tail struct {
	opts   []kgo.Opt
	topics []string
	apply  func(context.Context, *kgo.Record)
	after  func(kgo.Fetches)
	from   Offsets
	log    *slog.Logger

	once  sync.Once
	ready chan struct{}
}

// New returns a tail of topics that calls apply for every record, in offset
// order per partition, from one goroutine. opts are the base client options.
func New(opts []kgo.Opt, apply func(context.Context, *kgo.Record), log *slog.Logger, topics ...string) *Tail {
	return &Tail{opts: opts, topics: topics, apply: apply, log: log, ready: make(chan struct{})}
}

// AfterFetch sets a function called after the records of every fetch were
// applied (the subscription follower marks its applied offsets there). Set
// it before Run.
func (t *Tail) AfterFetch(f func(kgo.Fetches)) { t.after = f }

// From makes Run start every partition listed in o at its offset there (a
// checkpoint of what was applied before), the others at their start. An
// offset below a partition's start (retention removed it) starts there.
// Set it before Run.
func (t *Tail) From(o Offsets) { t.from = o }

// Ready is closed once every record written before Run started was applied.
func (t *Tail) Ready() <-chan struct{} { return t.ready }

// Run reads to the end, closes Ready, and follows until ctx ends.
func (t *Tail) Run(ctx context.Context) error {
	r, err := t.start(ctx)
	if err != nil {
		return err
	}
	defer r.client.Close()
	if err := r.catchUp(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("tail %v: %w", t.topics, err)
	}
	t.once.Do(func() { close(t.ready) })
	for {
		fs := r.client.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		_ = r.handle(ctx, fs) // not strict: errors are logged
	}
}

// Load reads to the end and returns; fetch errors fail it.
func (t *Tail) Load(ctx context.Context) error {
	r, err := t.start(ctx)
	if err != nil {
		return err
	}
	defer r.client.Close()
	r.strict = true
	if err := r.catchUp(ctx); err != nil {
		return fmt.Errorf("load %v: %w", t.topics, err)
	}
	return nil
}

func (t *Tail) start(ctx context.Context) (*reader, error) {
	opts := append(t.opts[:len(t.opts):len(t.opts)],
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(fetchMaxWait),
	)
	probe, err := kgo.NewClient(t.opts...)
	if err != nil {
		return nil, fmt.Errorf("tail %v: %w", t.topics, err)
	}
	adm := kadm.NewClient(probe)
	ends, err := EndOffsets(ctx, adm, t.topics...)
	var starts map[string]map[int32]kgo.Offset
	if err == nil && t.from != nil {
		starts, err = t.starts(ctx, adm, ends)
	}
	probe.Close()
	if err != nil {
		return nil, fmt.Errorf("tail %v: %w", t.topics, err)
	}
	if starts != nil {
		opts = append(opts, kgo.ConsumePartitions(starts))
	} else {
		opts = append(opts, kgo.ConsumeTopics(t.topics...))
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("tail %v: %w", t.topics, err)
	}
	return &reader{client: client, pending: ends, apply: t.apply, after: t.after, log: t.log}, nil
}

// starts pins every partition of the tail's topics to its offset in from,
// or its start, and drops from ends the partitions from has read to the end.
func (t *Tail) starts(ctx context.Context, adm *kadm.Client, ends Offsets) (map[string]map[int32]kgo.Offset, error) {
	listed, err := adm.ListEndOffsets(ctx, t.topics...)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	out := map[string]map[int32]kgo.Offset{}
	listed.Each(func(o kadm.ListedOffset) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]kgo.Offset{}
		}
		at, ok := t.from.lookup(o.Topic, o.Partition)
		if !ok {
			out[o.Topic][o.Partition] = kgo.NewOffset().AtStart()
			return
		}
		out[o.Topic][o.Partition] = kgo.NewOffset().At(at)
		if end, ok := ends.lookup(o.Topic, o.Partition); ok && at >= end {
			ends.drop(o.Topic, o.Partition)
		}
	})
	return out, nil
}

// Range reads the records of every partition of from, from its offset up to
// (not including) its offset in to, and returns. Partitions missing from to
// are not read. Fetch errors fail it.
func Range(ctx context.Context, opts []kgo.Opt, from, to Offsets, apply func(context.Context, *kgo.Record)) error {
	start := map[string]map[int32]kgo.Offset{}
	pending := Offsets{}
	for t, ps := range from {
		for p, o := range ps {
			if end, ok := to.lookup(t, p); ok && end > o {
				if start[t] == nil {
					start[t] = map[int32]kgo.Offset{}
				}
				start[t][p] = kgo.NewOffset().At(o)
				pending.Set(t, p, end)
			}
		}
	}
	if len(pending) == 0 {
		return nil
	}
	client, err := kgo.NewClient(append(opts[:len(opts):len(opts)],
		kgo.ConsumePartitions(start),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(fetchMaxWait),
	)...)
	if err != nil {
		return fmt.Errorf("read range: %w", err)
	}
	defer client.Close()
	r := &reader{client: client, pending: pending, bounded: true, strict: true, apply: apply}
	if err := r.catchUp(ctx); err != nil {
		return fmt.Errorf("read range: %w", err)
	}
	return nil
}

// EndOffsets lists the last stable offset of every non-empty partition of
// topics: the end a read_committed consumer reaches.
func EndOffsets(ctx context.Context, adm *kadm.Client, topics ...string) (Offsets, error) {
	ends, err := adm.ListCommittedOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %v: %w", topics, err)
	}
	out := Offsets{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			out.Set(o.Topic, o.Partition, o.Offset)
		}
	})
	return out, nil
}

// reader is one client's read towards the end offsets of its partitions.
type reader struct {
	client *kgo.Client
	// pending holds the end offset of every partition not yet read to it.
	pending Offsets
	// bounded: records at or past a partition's end are not applied, and a
	// partition read to its end stops being fetched (a range read).
	bounded bool
	// strict: a fetch error fails the read instead of being logged.
	strict bool
	apply  func(context.Context, *kgo.Record)
	after  func(kgo.Fetches)
	log    *slog.Logger
}

// catchUp reads until every partition reached its end. The rule: a
// partition is at its end once the record just below its end offset was
// read, and all of them are once a poll waited idleWindow and brought
// nothing (see idleWindow).
func (r *reader) catchUp(ctx context.Context) error {
	for len(r.pending) > 0 {
		pollCtx, cancel := context.WithTimeout(ctx, idleWindow)
		fs := r.client.PollFetches(pollCtx)
		idle := pollCtx.Err() != nil && fs.NumRecords() == 0
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		if idle {
			return nil
		}
		if err := r.handle(ctx, fs); err != nil {
			return err
		}
	}
	return nil
}

// handle applies the records of one fetch and moves the pending ends.
func (r *reader) handle(ctx context.Context, fs kgo.Fetches) error {
	var errs error
	fs.EachError(func(t string, p int32, err error) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return
		}
		if r.strict {
			errs = errors.Join(errs, fmt.Errorf("fetch %s/%d: %w", t, p, err))
			return
		}
		r.log.Warn("tail: fetch", "topic", t, "partition", p, "err", err)
	})
	if errs != nil {
		return errs
	}
	var done map[string][]int32
	fs.EachRecord(func(rec *kgo.Record) {
		end, ok := r.pending.lookup(rec.Topic, rec.Partition)
		if r.bounded && (!ok || rec.Offset >= end) {
			return
		}
		r.apply(ctx, rec)
		if ok && rec.Offset+1 >= end {
			r.pending.drop(rec.Topic, rec.Partition)
			if r.bounded {
				if done == nil {
					done = map[string][]int32{}
				}
				done[rec.Topic] = append(done[rec.Topic], rec.Partition)
			}
		}
	})
	if done != nil {
		r.client.PauseFetchPartitions(done)
	}
	if r.after != nil {
		r.after(fs)
	}
	return nil
}
