// Package taskread reads delivery tasks back from the log by their place.
// An attempt record points at the task it delivered instead of carrying a
// copy of the event; the history reads the event from the task when it
// shows or redelivers an attempt.
//
// A read is a few fetch requests of its own, from the first wanted offset
// of each partition on: one fetch usually answers the rest of a page, whose
// attempts sit close together in their webhook's partition. It keeps no
// consumer state, so concurrent reads do not meet.
package taskread

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hookstream/hookstream/schemas"
)

// ErrGone is a task the log no longer holds (retention, or a topic deleted
// and created again).
var ErrGone = errors.New("the task's record is no longer in the log")

// fetchBytes bounds one fetch; a record batch larger than this still comes
// whole, as the broker always returns the first batch.
const fetchBytes = 1 << 20

// Place is where a task record is.
type Place struct {
	Topic     string
	Partition int32
	Offset    int64
}

func (p Place) String() string { return fmt.Sprintf("%s/%d@%d", p.Topic, p.Partition, p.Offset) }

// Result is the task read at a place, or why it could not be.
type Result struct {
	Task schemas.DeliveryTask
	Err  error
}

// Reader reads tasks through a client the caller owns.
type Reader struct {
	cl    *kgo.Client
	adm   *kadm.Client
	serde *schemas.Serde
}

// New returns a reader on cl.
func New(cl *kgo.Client, serde *schemas.Serde) *Reader {
	return &Reader{cl: cl, adm: kadm.NewClient(cl), serde: serde}
}

// Read reads the tasks at places. Every place has a result; an error of
// the whole read (the metadata request failed) is in each of them.
func (r *Reader) Read(ctx context.Context, places []Place) map[Place]Result {
	out := make(map[Place]Result, len(places))
	type tp struct {
		topic     string
		partition int32
	}
	if len(places) == 0 {
		return out
	}
	wanted := map[tp][]int64{}
	var topics []string
	for _, p := range places {
		if !slices.Contains(topics, p.Topic) {
			topics = append(topics, p.Topic)
		}
		k := tp{p.Topic, p.Partition}
		wanted[k] = append(wanted[k], p.Offset)
	}
	md, err := r.adm.Metadata(ctx, topics...)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed = map[Place]Result{}
	)
	for k, offsets := range wanted {
		// Failures found here go to failed; the reads merge into out.
		part := &partition{r: r, topic: k.topic, num: k.partition, out: failed}
		if err != nil {
			part.failAll(offsets, fmt.Errorf("read task: metadata: %w", err))
			continue
		}
		td, ok := md.Topics[k.topic]
		if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
			part.failAll(offsets, ErrGone)
			continue
		}
		pd, ok := td.Partitions[k.partition]
		switch {
		case td.Err != nil:
			part.failAll(offsets, fmt.Errorf("read task: topic %s: %w", k.topic, td.Err))
		case !ok:
			part.failAll(offsets, ErrGone)
		case pd.Err != nil || pd.Leader < 0:
			part.failAll(offsets, fmt.Errorf("read task: %s/%d has no leader: %v", k.topic, k.partition, pd.Err))
		default:
			// The partitions are read at once, each into a map of its own:
			// a page may hold attempts of many partitions and tiers.
			part.id, part.leader, part.out = td.ID, pd.Leader, map[Place]Result{}
			wg.Go(func() {
				part.read(ctx, offsets)
				mu.Lock()
				maps.Copy(out, part.out)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	maps.Copy(out, failed)
	return out
}

// partition reads the wanted offsets of one partition.
type partition struct {
	r      *Reader
	topic  string
	num    int32
	id     kadm.TopicID
	leader int32
	out    map[Place]Result
}

func (p *partition) place(off int64) Place { return Place{p.topic, p.num, off} }

func (p *partition) failAll(offsets []int64, err error) {
	for _, o := range offsets {
		p.out[p.place(o)] = Result{Err: err}
	}
}

// read fetches from the lowest offset still wanted until every one is
// found or known gone. Each fetch settles at least that lowest offset, so
// the loop ends.
func (p *partition) read(ctx context.Context, offsets []int64) {
	slices.Sort(offsets)
	pending := slices.Compact(offsets)
	for len(pending) > 0 {
		next := pending[0]
		fp, err := p.fetch(ctx, next)
		if err != nil {
			p.failAll(pending, err)
			return
		}
		if errors.Is(fp.Err, kerr.OffsetOutOfRange) {
			// Below the log's start: the offsets retention removed are
			// gone; those after it are fetched next.
			start, err := p.logStart(ctx)
			if err != nil || next >= start {
				p.failAll(pending, fmt.Errorf("read task %s: %w", p.place(next), errors.Join(fp.Err, err)))
				return
			}
			for len(pending) > 0 && pending[0] < start {
				p.out[p.place(pending[0])] = Result{Err: ErrGone}
				pending = pending[1:]
			}
			continue
		}
		if fp.Err != nil {
			p.failAll(pending, fmt.Errorf("read task %s: %w", p.place(next), fp.Err))
			return
		}
		last := next
		for _, rec := range fp.Records {
			last = max(last, rec.Offset)
			if _, found := slices.BinarySearch(pending, rec.Offset); found {
				p.out[p.place(rec.Offset)] = p.decode(ctx, rec)
			}
		}
		// Anything wanted up to the last record read and not among them is
		// not there: an aborted write, or the offset of a control record.
		for len(pending) > 0 && pending[0] <= last {
			if _, done := p.out[p.place(pending[0])]; !done {
				p.out[p.place(pending[0])] = Result{Err: ErrGone}
			}
			pending = pending[1:]
		}
	}
}

// logStart is the partition's first offset.
func (p *partition) logStart(ctx context.Context) (int64, error) {
	offs, err := p.r.adm.ListStartOffsets(ctx, p.topic)
	if err != nil {
		return 0, err
	}
	o, ok := offs.Lookup(p.topic, p.num)
	if !ok {
		return 0, fmt.Errorf("no start offset listed for %s/%d", p.topic, p.num)
	}
	return o.Offset, o.Err
}

func (p *partition) decode(ctx context.Context, rec *kgo.Record) Result {
	var t schemas.DeliveryTask
	if err := p.r.serde.Decode(ctx, rec.Value, &t); err != nil {
		return Result{Err: fmt.Errorf("read task %s: %w", p.place(rec.Offset), err)}
	}
	return Result{Task: t}
}

// fetch is one fetch request for the partition from offset, read committed
// (what the deliverer read), processed into records.
func (p *partition) fetch(ctx context.Context, offset int64) (kgo.FetchPartition, error) {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxBytes = fetchBytes
	req.MinBytes = 1
	req.IsolationLevel = 1
	req.SessionEpoch = -1
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = p.topic, [16]byte(p.id)
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p.num, offset, fetchBytes
	rp.CurrentLeaderEpoch, rp.LogStartOffset = -1, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, p.r.cl.Broker(int(p.leader)))
	if err != nil {
		return kgo.FetchPartition{}, fmt.Errorf("read task %s: %w", p.place(offset), err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return kgo.FetchPartition{}, fmt.Errorf("read task %s: %w", p.place(offset), err)
	}
	for i := range resp.Topics {
		for j := range resp.Topics[i].Partitions {
			rp := &resp.Topics[i].Partitions[j]
			if rp.Partition != p.num {
				continue
			}
			fp, _ := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
				Offset: offset, IsolationLevel: kgo.ReadCommitted(), Topic: p.topic, Partition: p.num,
			}, rp, kgo.DefaultDecompressor(), nil)
			return fp, nil
		}
	}
	return kgo.FetchPartition{}, fmt.Errorf("read task %s: the fetch response does not hold the partition", p.place(offset))
}
