package deliver

import (
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/schemas"
)

// partition is the deliverer's state of one assigned partition.
type partition struct {
	topic string
	num   int32
	// tier is the retry tier the topic is, or outcome.NoTier for deliveries.
	tier int
	// delay is the tier's delay (0 for deliveries): no task of the tier is
	// due later than its record's timestamp plus delay.
	delay time.Duration

	mu sync.Mutex
	// main tracks the partition's records that belong to no lane.
	main tracker
	// lanes are the webhooks whose records of this partition commit on
	// their own (lane.go); deliveries partitions only.
	lanes map[string]*lane
	// runs is the buffer snapshot reads the trackers' runs into.
	runs []int64
	// seq counts finished records, for tracker.covered.
	seq uint64
	// next is the offset after the last record taken; a record below it is
	// one already taken (fetched again after a pause or a rewind) and is
	// skipped, unless a lane takes it.
	next int64
	// done is what the commit this process started from says is finished
	// above its offset: skipped, not sent again. recoverTo is that commit's
	// offset until the partition is read past it (0 then).
	done      finished
	recoverTo int64
	// backlog holds records of a tier partition whose head is not due yet,
	// in offset order; the partition is paused while it is non-empty.
	backlog []*job
	timer   *time.Timer
	// revoked: the partition left this process; its records are no longer
	// sent and its marks no longer committed.
	revoked bool
	// active counts records taken and not yet finished or abandoned.
	active  int
	drained chan struct{} // closed when revoked and active reaches 0
	// onRelease is called once per record finished or abandoned (the
	// process-wide pending budget).
	onRelease func()
	// rewind: a lane wants records below next again (lane.go).
	rewind bool
	// read counts the partition's reads: a rewind begins a new one, from
	// readFrom, once the records fetched before it are taken (poll.go);
	// within a read, records come in offset order.
	read     uint64
	readFrom int64
	// lastOffset and lastMeta are the last commit that succeeded.
	lastOffset int64
	lastMeta   string
}

func newPartition(topic string, num int32, tier int) *partition {
	return &partition{topic: topic, num: num, tier: tier, next: -1, lastOffset: -1, lanes: map[string]*lane{}, drained: make(chan struct{})}
}

// job is one record of a partition on its way through the deliverer.
type job struct {
	part     *partition
	offset   int64
	produced time.Time // the record's timestamp
	task     schemas.DeliveryTask
	// bad says the record did not decode; raw is kept for the rejected
	// topic then. A decoded job keeps no part of its record: the record's
	// key and value are slices of its fetched batch, which would stay in
	// memory for as long as the task waits.
	bad    error
	raw    *kgo.Record
	finish sync.Once

	// trk is the tracker the job finishes in: its partition's or a lane's;
	// guarded by part.mu, since a lane can take a job over.
	trk *tracker
	// finishSeq is the partition's finish count when the job finished.
	finishSeq uint64

	// The fields below are the endpoint's, guarded by its mu.
	ep *endpoint
	// key is the job's place in an ordered webhook's lines; ordered is
	// false for a webhook with ordering none and for retry-tier records.
	key     string
	ordered bool
	// finished: the job is done and waits, out in its key's line, only
	// for the commit that has it on record.
	finished bool
	// tier is the tier the job's attempts count from: its partition's, or
	// for an ordered job retried in place, the tier whose delay it waited.
	tier int
	// retry brings an ordered job back to its endpoint when its retry is
	// due.
	retry *time.Timer
	// unbudgeted: the job waits for its retry and holds no place in the
	// pending budget (a failing key must not stop the fetching of the
	// others); guarded by part.mu.
	unbudgeted bool
}

// take registers a fetched record and returns the tracker it finishes in,
// or nil when it is not to be sent: taken before, finished before the
// commit this process started from, or a parked webhook's.
func (p *partition) take(rec *kgo.Record) *tracker {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := rec.Offset
	if p.revoked {
		return nil
	}
	if p.recoverTo > 0 && o+1 >= p.recoverTo {
		// Read past the commit it started from: recovered lanes have seen
		// every record they own below it.
		p.recoverTo = 0
		for _, l := range p.lanes {
			l.recovering = false
		}
	}
	if l := p.lanes[string(rec.Key)]; l != nil && p.tier == outcome.NoTier {
		if o >= p.next {
			// The lane has the record on record from now on.
			p.next = o + 1
			p.main.lw.Add(o)
			p.finishIn(&p.main, o)
		}
		return l.take(o)
	}
	if o < p.next {
		return nil
	}
	p.next = o + 1
	p.main.lw.Add(o)
	if p.done.has(o) {
		p.finishIn(&p.main, o)
		return nil
	}
	p.active++
	return &p.main
}

// beginRead records that the records taken from now on are read in order
// from at (a rewind to at took effect).
func (p *partition) beginRead(at int64) {
	p.mu.Lock()
	p.read, p.readFrom = p.read+1, at
	p.mu.Unlock()
}

// finishIn marks o finished in t; p.mu is held.
func (p *partition) finishIn(t *tracker, o int64) {
	t.lw.Done(o)
	p.seq++
}

// due reports whether a tier job may be sent at now; deliveries are always
// due.
func (j *job) due(now time.Time) bool {
	return j.part.tier == outcome.NoTier || j.bad != nil || !j.dueAt().After(now)
}

// dueAt is when a tier job may be sent: its notBefore, but never later
// than the tier's delay after its record was written. A notBefore beyond
// that is not one a deliverer wrote, and believing it would pause the
// partition, and every task behind it, until then. A record's time has
// millisecond precision, cut down from the time it was produced, so the
// limit allows that millisecond too: without it an honest notBefore could
// be brought a fraction of a millisecond before its tier's delay.
func (j *job) dueAt() time.Time {
	at := j.task.NotBefore
	if limit := j.produced.Add(j.part.delay + time.Millisecond); j.part.delay > 0 && !j.produced.IsZero() && at.After(limit) {
		return limit
	}
	return at
}

// done marks the job's record finished, so commits move past it; it is a
// no-op after the first call. An ordered job waits for the commit that has
// it on record before its key goes on (tracker.waiters); the commit is asked
// for at once only when a job of its key waits behind it (endpoint.finished,
// and endpoint.order for one that comes later), else it is the next tick's.
func (j *job) done() {
	j.finish.Do(func() {
		p := j.part
		p.mu.Lock()
		p.finishIn(j.trk, j.offset)
		j.finishSeq = p.seq
		if j.ordered {
			j.trk.waiters = append(j.trk.waiters, j)
		}
		p.release(j)
		p.mu.Unlock()
		if j.ep != nil && j.ep.finished(j) {
			j.ep.d.kickCommit()
		}
	})
}

// abandon lets go of a job whose outcome was not written: the record stays
// unfinished and is delivered again by whoever consumes the partition next
// (or by this process, when a lane takes it again after a park).
func (j *job) abandon() {
	j.finish.Do(func() {
		j.part.mu.Lock()
		j.part.release(j)
		j.part.mu.Unlock()
		if j.ep != nil {
			j.ep.abandoned(j)
		}
	})
}

// release ends j, one active record; p.mu is held. A job waiting for its
// retry gave its place in the pending budget back already.
func (p *partition) release(j *job) {
	p.active--
	for _, l := range p.lanes {
		if j.trk == &l.trk {
			l.drop(j.offset)
		}
	}
	if p.onRelease != nil && !j.unbudgeted {
		p.onRelease()
	}
	if p.active == 0 && p.revoked {
		p.closeDrained()
	}
}

// revoke stops the partition. It returns the jobs that waited in its backlog,
// for the caller to abandon, and whether the partition was paused.
func (p *partition) revoke() (backlog []*job, paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked = true
	if p.active == 0 {
		p.closeDrained()
	}
	return p.takeBacklog()
}

// dropBacklog empties the backlog without revoking (shutdown); the
// partition stays paused, which no longer matters.
func (p *partition) dropBacklog() []*job {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, _ := p.takeBacklog()
	return b
}

// takeBacklog empties the backlog and stops its timer; p.mu is held.
func (p *partition) takeBacklog() (backlog []*job, paused bool) {
	if p.timer != nil {
		p.timer.Stop()
	}
	backlog, p.backlog = p.backlog, nil
	return backlog, len(backlog) > 0
}

func (p *partition) closeDrained() {
	select {
	case <-p.drained:
	default:
		close(p.drained)
	}
}

func (p *partition) isRevoked() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.revoked
}
