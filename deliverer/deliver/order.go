package deliver

import (
	"slices"
	"time"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// An ordered webhook (ordering entity or endpoint) sends the tasks of one key
// in the order of their partition, one request out at a time: a key's line
// holds the jobs out (in flight, waiting for their retry, or finished and
// waiting for the commit that has them on record) and the jobs waiting
// behind them. A key's next job goes out only once the job before it is
// committed (tracker.waiters): a crash then sends again at most the last
// one, never an earlier event after a later one. A failed job waits for its
// retry where it is, in memory and in its partition (or lane), instead of in
// a retry topic, where the key's later tasks could overtake it; the tier
// delays still space its attempts. The key of entity ordering is the source
// event's Kafka key; endpoint ordering has one key for the whole webhook.
type line struct {
	out     []*job
	waiting []*job
}

// order puts an ordered job in its key's line; true: it waits behind the
// key's job out. A job that is not ordered (ordering none, a retry-tier
// record, a task without a key) is left to the queue. Called with e.mu held.
func (e *endpoint) order(j *job, wh subscription.Webhook) bool {
	switch {
	case j.part.tier != outcome.NoTier || j.bad != nil:
		return false
	case wh.EffectiveOrdering() == schemas.OrderingEndpoint:
		j.key = ""
	case wh.EffectiveOrdering() == schemas.OrderingEntity && j.task.OrderingKey != "":
		j.key = j.task.OrderingKey
	default:
		return false
	}
	j.ordered = true
	if l := e.lines[j.key]; l != nil {
		l.waiting = append(l.waiting, j)
		if !slices.ContainsFunc(l.out, func(o *job) bool { return !o.finished }) {
			// The jobs out are finished and wait only for a commit, which
			// their finish did not ask for with nobody behind them.
			e.d.kickCommit()
		}
		return true
	}
	e.lines[j.key] = &line{out: []*job{j}}
	return false
}

// follow adds to batch, after the ordered job j, the jobs waiting behind it
// in its line, up to size: a batch keeps their order inside, and the key has
// one request out. Called with e.mu held.
func (e *endpoint) follow(j *job, batch []*job, size int) []*job {
	if !j.ordered {
		return batch
	}
	l := e.lines[j.key]
	for l != nil && len(l.waiting) > 0 && len(batch) < size {
		w := l.waiting[0]
		l.waiting[0] = nil
		l.waiting = l.waiting[1:]
		l.out = append(l.out, w)
		batch = append(batch, w)
	}
	return batch
}

// released is called once the commit has j's finish on record: the job
// leaves its line, and when the line has no job out any more, the next one
// waiting goes out.
func (e *endpoint) released(j *job) {
	e.mu.Lock()
	l := e.lines[j.key]
	if l == nil {
		e.mu.Unlock()
		return
	}
	l.out = slices.DeleteFunc(l.out, func(o *job) bool { return o == j })
	more := false
	if len(l.out) == 0 {
		if len(l.waiting) == 0 {
			delete(e.lines, j.key)
		} else {
			w := l.waiting[0]
			l.waiting[0] = nil
			l.waiting = l.waiting[1:]
			l.out = []*job{w}
			e.queued(append(e.queue, w))
			more = e.wantsWorker()
		}
	}
	e.mu.Unlock()
	if more {
		e.d.pool.start(e)
	}
}

// retryLater keeps failed ordered jobs in their lines until their retry is
// due (decs[i] is jobs[i]'s): the first of each key stays out and comes back
// to the queue then, the others of the same request wait behind it again.
// Their attempts count as the tiers' would. A job still in its partition's
// own tracker moves to a lane first, so the wait holds back only its
// webhook's commits.
func (e *endpoint) retryLater(jobs []*job, decs []outcome.Decision, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.toLane(jobs)
	byKey := map[string][]*job{}
	var keys []string
	at := map[*job]time.Time{}
	for i, j := range jobs {
		j.tier = decs[i].Tier
		j.task.Attempt++
		j.task.NotBefore, j.task.LastError = decs[i].At, reason
		at[j] = decs[i].At
		if byKey[j.key] == nil {
			keys = append(keys, j.key)
		}
		byKey[j.key] = append(byKey[j.key], j)
	}
	for _, key := range keys {
		failed := byKey[key]
		l := e.lines[key]
		if l == nil {
			continue // swept: the partition left
		}
		first := failed[0]
		l.out = slices.DeleteFunc(l.out, func(o *job) bool { return slices.Contains(failed[1:], o) })
		l.waiting = append(append([]*job(nil), failed[1:]...), l.waiting...)
		first.part.mu.Lock()
		first.unbudgeted = true
		first.part.mu.Unlock()
		e.d.budget.sub()
		first.retry = time.AfterFunc(time.Until(at[first]), func() { e.due(first) })
	}
}

// due brings a job whose retry came due back to the queue.
func (e *endpoint) due(j *job) {
	e.mu.Lock()
	j.retry = nil
	if j.part.isRevoked() || e.d.stopping.Load() {
		e.mu.Unlock()
		j.abandon()
		return
	}
	e.d.budget.add()
	j.part.mu.Lock()
	j.unbudgeted = false
	j.part.mu.Unlock()
	e.queued(append(e.queue, j))
	more := e.wantsWorker()
	e.mu.Unlock()
	if more {
		e.d.pool.start(e)
	}
}

// toLane moves the webhook's unfinished jobs of the partitions of jobs that
// are still in the partition's own tracker to the webhook's lane. Called
// with e.mu held.
func (e *endpoint) toLane(jobs []*job) {
	for _, j := range jobs {
		p := j.part
		p.mu.Lock()
		if j.trk == &p.main && !p.revoked {
			p.laneFor(e.id, e.liveOf(p))
		}
		p.mu.Unlock()
	}
}

// liveOf is the endpoint's jobs of p in memory. Called with e.mu held.
func (e *endpoint) liveOf(p *partition) []*job {
	var jobs []*job
	for j := range e.live {
		if j.part == p {
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// park moves the endpoint aside on j's partition: the webhook's lane stops
// taking records, and j with every other job of the lane that is not out
// (queued, or waiting in a line) is put back, for the caller to abandon: the
// lane takes them again when the endpoint has room, and skips the jobs it
// kept (out: in flight, waiting for their retry or for their commit).
// false: no park now (the partition cannot carry another lane, or a job
// the lane would put back is not its own); j was not taken in.
// Called with e.mu held.
func (e *endpoint) park(j *job) (put []*job, ok bool) {
	p := j.part
	p.mu.Lock()
	if p.revoked {
		p.mu.Unlock()
		return []*job{j}, true
	}
	mine := append(e.liveOf(p), j)
	l := p.laneFor(e.id, mine)
	if l == nil {
		p.mu.Unlock()
		return nil, false
	}
	// Sets, not searches per job: a failing endpoint can hold thousands.
	notOut := map[*job]bool{j: true}
	for _, q := range e.queue {
		notOut[q] = true
	}
	for _, ln := range e.lines {
		for _, w := range ln.waiting {
			notOut[w] = true
		}
	}
	var kept []*job
	for _, m := range mine {
		switch {
		case !notOut[m]:
			kept = append(kept, m)
		case m.trk != &l.trk:
			// Still in the partition's own tracker: taken before the
			// lane began and not yet the endpoint's when the lane took
			// the others over. The lane counts its record finished and
			// would not read it again, so it cannot be put back: no
			// park this time (the next job tries again).
			p.mu.Unlock()
			return nil, false
		default:
			put = append(put, m)
		}
	}
	l.park(put, kept)
	p.mu.Unlock()
	e.unqueueAll(put)
	if _, was := e.parked[l]; !was {
		e.parked[l] = struct{}{}
		e.d.metrics.parked.Inc()
		e.d.log.Warn("webhook parked: failing, not answering, or slower than its inflow; its tasks wait in Kafka until it has room", "webhookId", e.id, "partition", p.num, "putBack", len(put))
		if e.probe == nil {
			e.probe = time.AfterFunc(unparkEvery, e.probeParked)
		}
	}
	e.d.metrics.deliveries.WithLabelValues(outcomeParked).Add(float64(len(put)))
	return put, true
}

// unqueueAll takes jobs out of the queue, their lines and live. Called
// with e.mu held.
func (e *endpoint) unqueueAll(jobs []*job) {
	gone := make(map[*job]bool, len(jobs))
	for _, j := range jobs {
		gone[j] = true
		delete(e.live, j)
	}
	e.queued(slices.DeleteFunc(e.queue, func(q *job) bool { return gone[q] }))
	for key, l := range e.lines {
		l.out = slices.DeleteFunc(l.out, func(o *job) bool { return gone[o] })
		l.waiting = slices.DeleteFunc(l.waiting, func(o *job) bool { return gone[o] })
		if len(l.out) == 0 && len(l.waiting) == 0 {
			delete(e.lines, key)
		}
	}
}

// sweepLines empties the lines of jobs that are gone (revoked partition,
// shutdown) and returns the ones to abandon: those waiting and those
// waiting for their retry. Called with e.mu held.
func (e *endpoint) sweepLines(gone func(*job) bool) []*job {
	var dropped []*job
	for key, l := range e.lines {
		l.waiting = slices.DeleteFunc(l.waiting, func(j *job) bool {
			if gone(j) {
				dropped = append(dropped, j)
				return true
			}
			return false
		})
		l.out = slices.DeleteFunc(l.out, func(j *job) bool {
			if !gone(j) {
				return false
			}
			if j.retry != nil && j.retry.Stop() {
				j.retry = nil
				dropped = append(dropped, j)
			}
			return true
		})
		if len(l.out) == 0 && len(l.waiting) == 0 {
			delete(e.lines, key)
		}
	}
	return dropped
}
