package deliver

import (
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/lowwater"
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

	track lowwater.Partition

	mu sync.Mutex
	// next is the offset after the last record taken; a record below it is
	// one already taken (fetched again after a pause) and is skipped.
	next int64
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
	// mark is the offset to commit (the next to consume), committed the
	// last one committed.
	mark, committed int64
}

func newPartition(topic string, num int32, tier int) *partition {
	return &partition{topic: topic, num: num, tier: tier, next: -1, mark: -1, committed: -1, drained: make(chan struct{})}
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
}

// take registers a fetched record; false means it was taken before.
func (p *partition) take(offset int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.revoked || offset < p.next {
		return false
	}
	p.next = offset + 1
	p.active++
	p.track.Add(offset)
	return true
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

// done marks the job's record finished and moves the commit mark; it is a
// no-op after the first call.
func (j *job) done() {
	j.finish.Do(func() {
		p := j.part
		mark := p.track.Done(j.offset)
		p.mu.Lock()
		// A revoked partition's mark still moves while its last
		// requests finish: the revoke commits it once they did.
		if mark > p.mark {
			p.mark = mark
		}
		p.release()
		p.mu.Unlock()
	})
}

// abandon lets go of a job whose outcome was not written: the record stays
// uncommitted and is redelivered by whoever consumes the partition next.
func (j *job) abandon() {
	j.finish.Do(func() {
		j.part.mu.Lock()
		j.part.release()
		j.part.mu.Unlock()
	})
}

// release ends one active record; p.mu is held.
func (p *partition) release() {
	p.active--
	if p.onRelease != nil {
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

// uncommitted returns the mark to commit, or -1 when there is nothing new.
func (p *partition) uncommitted() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mark > p.committed {
		return p.mark
	}
	return -1
}

func (p *partition) committedTo(mark int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mark > p.committed {
		p.committed = mark
	}
}
