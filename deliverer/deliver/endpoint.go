package deliver

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookstream/hookstream/deliverer/circuit"
	"github.com/hookstream/hookstream/deliverer/outcome"
)

// endpoint is one webhook's queue. Jobs of every partition that carries the
// webhook meet here, so a slow endpoint only ever holds its own jobs: the
// others on its partitions go to their own endpoints and finish, and only the
// commit mark of the partition waits for the slow one's records (until it is
// parked, lane.go).
type endpoint struct {
	id      string
	d       *Deliverer
	breaker *circuit.Breaker

	mu sync.Mutex
	// queue is the jobs that may be sent now, in the order they came.
	queue []*job
	// lines are an ordered webhook's keys with a task out (order.go).
	lines map[string]*line
	// live is every job of the endpoint in memory: queued, waiting in a
	// line, in flight, waiting for its retry.
	live map[*job]struct{}
	// parked are the endpoint's lanes that take no records for now.
	parked map[*lane]struct{}
	// fullSince is when live last reached the queue limit; zero while it
	// is under it. failing: the last attempt failed.
	fullSince time.Time
	failing   bool
	// progress is when the endpoint last answered (any outcome), or began
	// sending with no worker out before: with workers out and no answer for
	// stallFor it is unanswered.
	progress time.Time
	// probe unparks the endpoint's lanes later (see park, roomAgain);
	// unparkedAt is when they were last unparked.
	probe      *time.Timer
	unparkedAt time.Time
	workers    int
	// inLine is guarded by the pool's mu.
	inLine  bool
	limit   float64 // the rate the limiter was built for
	limiter *rate.Limiter
	// timer brings workers back when the limiter allows the next request;
	// while it is set the endpoint wants no worker. See rest.
	timer *time.Timer

	// paceStart, paceTaken and pace measure how many jobs per second the
	// endpoint takes, for queueLimit.
	paceStart time.Time
	paceTaken int
	pace      float64
}

// paceWindow is how often an endpoint's pace is measured; queueSeconds is
// how much of its pace a queue may hold; slowFor is how long an endpoint
// may be over its queue limit before it counts as slower than its inflow;
// stallFor is how long an endpoint with requests out may go without an
// answer before it counts as unanswered.
const (
	paceWindow   = 500 * time.Millisecond
	queueSeconds = 5
	slowFor      = 10 * time.Second
	stallFor     = 2 * time.Second
	unparkEvery  = time.Second
)

// queueLimit is how many jobs the endpoint may hold before it may be moved
// aside: EndpointQueue, five seconds of the endpoint's measured pace, or an
// even share of MaxPending among the endpoints with work, whichever is most.
// Being over it is not enough: a burst for a healthy endpoint waits in
// memory (the poll loop stops fetching at MaxPending), and only an endpoint
// that fails, or stays over its limit for slowFor, is parked (see
// moveAside). Called with e.mu held.
func (e *endpoint) queueLimit(now time.Time) int {
	if elapsed := now.Sub(e.paceStart); elapsed >= paceWindow {
		e.pace = float64(e.paceTaken) / elapsed.Seconds()
		e.paceStart, e.paceTaken = now, 0
	}
	share := e.d.cfg.MaxPending / max(int(e.d.active.Load()), 1)
	return max(e.d.cfg.EndpointQueue, int(e.pace*queueSeconds), share)
}

// moveAside reports whether the endpoint's next job should not be held in
// memory: the endpoint is over its queue limit and not healthy — failing
// (its last attempt failed, or its circuit is not closed) or over the limit
// for slowFor — or it is unanswered and holds EndpointQueue jobs or more.
//
// The last is for an endpoint that hangs: its requests neither succeed nor
// fail until their timeout, so it is not failing, and its share of
// MaxPending among the endpoints with work grows as the healthy ones empty
// their queues, so it is not over its limit either. Its queue then took the
// whole budget, and the poll loop stopped fetching for every endpoint until
// the timeouts (the dead-endpoint benchmark's healthy deliveries stood still
// for seconds). Called with e.mu held.
func (e *endpoint) moveAside(now time.Time) bool {
	over := len(e.live) >= e.queueLimit(now)
	switch {
	case !over:
		e.fullSince = time.Time{}
	case e.fullSince.IsZero():
		e.fullSince = now
	}
	failing := e.failing || e.breaker.State(now) != circuit.Closed
	slow := over && now.Sub(e.fullSince) >= slowFor
	stalled := len(e.live) >= e.d.cfg.EndpointQueue && e.unanswered(now)
	return (failing || slow) && over || stalled
}

// unanswered: the endpoint has workers out and has not answered for
// stallFor. Called with e.mu held.
func (e *endpoint) unanswered(now time.Time) bool {
	return e.workers > 0 && now.Sub(e.progress) >= stallFor
}

// queued replaces the queue and keeps the count of endpoints with work.
// Called with e.mu held.
func (e *endpoint) queued(q []*job) {
	switch was := len(e.queue) > 0; {
	case !was && len(q) > 0:
		e.d.active.Add(1)
	case was && len(q) == 0:
		e.d.active.Add(-1)
	}
	e.queue = q
}

func (d *Deliverer) endpoint(id string) *endpoint {
	d.epMu.Lock()
	defer d.epMu.Unlock()
	e, ok := d.endpoints[id]
	if !ok {
		e = &endpoint{id: id, d: d, breaker: circuit.New(d.cfg.CircuitThreshold, d.cfg.CircuitCooldown),
			lines: map[string]*line{}, live: map[*job]struct{}{}, parked: map[*lane]struct{}{}}
		d.endpoints[id] = e
	}
	return e
}

// enqueue takes j in: queued, or waiting behind its key (order.go). An
// endpoint that is to be moved aside has a deliveries job parked (lane.go)
// and a tier job deferred to its tier again; neither is an attempt.
func (e *endpoint) enqueue(j *job) {
	wh, _ := e.d.table.Get(e.id)
	now := time.Now()
	e.mu.Lock()
	if e.moveAside(now) {
		if j.part.tier != outcome.NoTier {
			e.mu.Unlock()
			e.d.deferJob(j)
			return
		}
		if put, ok := e.park(j); ok {
			e.mu.Unlock()
			for _, p := range put {
				p.abandon()
			}
			return
		}
		// No park now (the partition carries all the lanes it can, or
		// a job of the webhook is still in the partition's own
		// tracker): the job waits in memory, and MaxPending bounds it.
	}
	j.ep = e
	e.live[j] = struct{}{}
	if e.order(j, wh) {
		e.mu.Unlock()
		return
	}
	e.queued(append(e.queue, j))
	more := e.wantsWorker()
	e.mu.Unlock()
	if more {
		e.d.pool.start(e)
	}
}

// wantsWorker: jobs are queued, fewer than MaxInFlightPerEndpoint workers
// deliver them, and the webhook's rate does not hold the next request back.
// Called with e.mu held.
func (e *endpoint) wantsWorker() bool {
	return len(e.queue) > 0 && e.workers < e.d.cfg.MaxInFlightPerEndpoint && e.timer == nil
}

// spawn starts a worker with a place the caller holds, unless the endpoint
// no longer wants one; false hands the place back to the caller.
func (e *endpoint) spawn() bool {
	e.mu.Lock()
	if !e.wantsWorker() {
		e.mu.Unlock()
		return false
	}
	if e.workers == 0 {
		e.progress = time.Now() // nothing was out to answer until now
	}
	e.workers++
	e.d.workers.Add(1)
	e.mu.Unlock()
	go e.work()
	return true
}

// work delivers batches until the queue is empty, until the webhook's rate
// holds the next request back, or until another endpoint waits for its
// place.
func (e *endpoint) work() {
	defer e.d.workers.Done()
	for {
		batch := e.next()
		if batch == nil {
			e.d.pool.release()
			return
		}
		e.d.deliver(e, batch)
		if e.d.pool.crowded() {
			e.mu.Lock()
			e.workers--
			orphaned := e.workers == 0 && e.wantsWorker()
			e.mu.Unlock()
			if orphaned {
				e.d.pool.requeue(e)
			}
			e.d.pool.release()
			return
		}
	}
}

// next takes up to the webhook's batchSize jobs, and with an ordered job the
// tasks waiting behind it in its key's line (in order, in the same request);
// jobs of revoked partitions (and all of them once shutdown began) are
// abandoned instead. nil means the worker ends: the queue is empty, or the
// webhook's rate does not allow the next request yet (see rest).
func (e *endpoint) next() []*job {
	wh, _ := e.d.table.Get(e.id)
	size := max(int(wh.BatchSize), 1)
	var dropped []*job
	defer func() {
		for _, j := range dropped {
			j.abandon()
		}
	}()
	e.mu.Lock()
	defer e.mu.Unlock()
	stopping := e.d.stopping.Load()
	if len(e.queue) > 0 && !stopping {
		if wait := e.reserve(wh.RateLimitPerSecond); wait > 0 {
			e.rest(wait)
			return nil
		}
	}
	var batch []*job
	for len(e.queue) > 0 && len(batch) < size {
		j := e.queue[0]
		e.queue[0] = nil
		e.queued(e.queue[1:])
		if stopping || j.part.isRevoked() {
			dropped = append(dropped, j)
			continue
		}
		batch = append(batch, j)
		batch = e.follow(j, batch, size)
	}
	if len(e.queue) == 0 {
		e.queue = nil // let the backing array go
	}
	if len(batch) == 0 {
		e.workers--
		return nil
	}
	e.paceTaken += len(batch)
	return batch
}

// sweep abandons queued jobs of revoked partitions, or all of them once
// shutdown began, so a revoke or shutdown does not wait behind a slow
// endpoint's queue.
func (e *endpoint) sweep() {
	stopping := e.d.stopping.Load()
	gone := func(j *job) bool { return stopping || j.part.isRevoked() }
	e.mu.Lock()
	var dropped []*job
	keep := e.queue[:0]
	for _, j := range e.queue {
		if gone(j) {
			dropped = append(dropped, j)
		} else {
			keep = append(keep, j)
		}
	}
	clear(e.queue[len(keep):])
	e.queued(keep)
	dropped = append(dropped, e.sweepLines(gone)...)
	for l := range e.parked {
		if l.part.isRevoked() {
			delete(e.parked, l)
			e.d.metrics.parked.Dec()
		}
	}
	// Nothing left to wake for. A timer that already fired clears itself.
	if len(keep) == 0 && e.timer != nil && e.timer.Stop() {
		e.timer = nil
	}
	e.mu.Unlock()
	for _, j := range dropped {
		j.abandon()
	}
}

func (d *Deliverer) sweepQueues() {
	for _, e := range d.endpointList() {
		e.sweep()
	}
}

func (d *Deliverer) endpointList() []*endpoint {
	d.epMu.Lock()
	defer d.epMu.Unlock()
	eps := make([]*endpoint, 0, len(d.endpoints))
	for _, e := range d.endpoints {
		eps = append(eps, e)
	}
	return eps
}

// finished forgets a job whose outcome is durable; an ordered one stays in
// its line until its commit (released), and successor says a job of its key
// waits behind it, for which the commit is wanted now.
func (e *endpoint) finished(j *job) (successor bool) {
	e.mu.Lock()
	delete(e.live, j)
	if j.ordered {
		j.finished = true
		l := e.lines[j.key]
		successor = l != nil && len(l.waiting) > 0
	}
	rewinds := e.roomAgain()
	e.mu.Unlock()
	e.d.rewind(rewinds)
	return successor
}

// abandoned forgets a job given up (revoked, shutdown, put back at a park).
func (e *endpoint) abandoned(j *job) {
	e.mu.Lock()
	delete(e.live, j)
	e.mu.Unlock()
}

// roomAgain unparks the endpoint's lanes once it holds less than half its
// queue limit, and returns the partitions to rewind for them. An endpoint
// whose circuit is open waits for its probe (see park), and one that is
// unanswered for its next answer; one that answers but fails is unparked at
// most every unparkEvery, so that tasks that only join lines behind keys
// waiting for their retry are not read again and again. Called with e.mu
// held.
func (e *endpoint) roomAgain() []*partition {
	now := time.Now()
	if len(e.parked) == 0 || len(e.live) >= e.queueLimit(now)/2 {
		return nil
	}
	wait := e.unparkedAt.Add(unparkEvery).Sub(now)
	if e.breaker.State(now) == circuit.Open {
		wait = max(wait, e.d.cfg.CircuitCooldown)
	}
	if e.unanswered(now) {
		wait = max(wait, stallFor)
	}
	if wait > 0 {
		if e.probe == nil {
			e.probe = time.AfterFunc(wait, e.probeParked)
		}
		return nil
	}
	return e.unparkAll()
}

// probeParked looks again whether a parked endpoint has room: a park may
// leave it nothing in memory, and so no finish that would look (roomAgain
// sets the next look when it is too early).
func (e *endpoint) probeParked() {
	e.mu.Lock()
	e.probe = nil
	rewinds := e.roomAgain()
	e.mu.Unlock()
	e.d.rewind(rewinds)
}

// unparkAll lets every parked lane of the endpoint take records again and
// returns the partitions to rewind. Called with e.mu held.
func (e *endpoint) unparkAll() []*partition {
	if e.probe != nil {
		e.probe.Stop()
		e.probe = nil
	}
	if len(e.parked) == 0 {
		return nil
	}
	e.unparkedAt = time.Now()
	var rewinds []*partition
	for l := range e.parked {
		delete(e.parked, l)
		p := l.part
		p.mu.Lock()
		if l.unpark() {
			rewinds = append(rewinds, p)
		}
		p.mu.Unlock()
		e.d.metrics.parked.Dec()
	}
	e.d.log.Info("webhook has room again: its parked tasks are read again", "webhookId", e.id)
	return rewinds
}

// reserve takes the webhook's leave for one request and returns 0, or
// takes nothing and returns how long until its rateLimitPerSecond allows
// the next one; 0 per second is no limit. The limit counts requests (a
// batch is one), which is what a receiver's own rate limit counts. A batch
// the open circuit will skip sends no request and needs no leave. Called
// with e.mu held.
func (e *endpoint) reserve(perSecond float64) time.Duration {
	if perSecond <= 0 {
		return 0
	}
	now := time.Now()
	if e.breaker.State(now) == circuit.Open {
		return 0
	}
	if e.limiter == nil || e.limit != perSecond {
		burst := max(int(math.Ceil(perSecond)), 1)
		e.limiter, e.limit = rate.NewLimiter(rate.Limit(perSecond), burst), perSecond
	}
	r := e.limiter.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait > 0 {
		r.CancelAt(now)
	}
	return wait
}

// rest ends the calling worker, whose place in the pool goes to another
// endpoint, and sets a timer that brings workers back when the rate allows
// the next request: a webhook waiting for its rate holds no place, so a
// thousand slow-rated webhooks cannot starve the others. Every worker of
// the endpoint rests on the same timer. Called with e.mu held.
func (e *endpoint) rest(wait time.Duration) {
	e.workers--
	if e.timer == nil {
		e.timer = time.AfterFunc(wait, e.wake)
	}
}

// wake asks the pool for as many workers as the endpoint's rate has
// requests for now (the timer waited for the first of them).
func (e *endpoint) wake() {
	e.mu.Lock()
	e.timer = nil
	n := 0
	if e.wantsWorker() {
		n = min(len(e.queue), e.d.cfg.MaxInFlightPerEndpoint-e.workers, max(int(e.limiter.TokensAt(time.Now())), 1))
	}
	e.mu.Unlock()
	for range n {
		e.d.pool.start(e)
	}
}
