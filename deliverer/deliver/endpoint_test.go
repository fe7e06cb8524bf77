package deliver

import (
	"testing"
	"time"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// restingDeliverer has one place in its pool and a webhook limited to five
// requests a second (a burst of five) with eight jobs queued; the test plays
// the worker, so no request is sent.
func restingDeliverer(t *testing.T) (*Deliverer, *endpoint, *partition) {
	t.Helper()
	d := &Deliverer{
		cfg:   Config{MaxInFlightPerEndpoint: 4, EndpointQueue: 16, MaxPending: 16},
		table: subscription.NewTable(), endpoints: map[string]*endpoint{}, pool: newPool(1),
	}
	d.table.PutSubscription(schemas.Subscription{ID: "slow", Enabled: true, RateLimitPerSecond: 5})
	e := d.endpoint("slow")
	p := newPartition("t", 0, outcome.NoTier)
	var q []*job
	for off := range int64(8) {
		takeAt(p, off)
		q = append(q, jobAt(p, off))
	}
	e.mu.Lock()
	e.queued(q)
	e.mu.Unlock()
	// The worker's place.
	d.pool.free, e.workers = 0, 1
	return d, e, p
}

// A worker whose webhook's rate allows no request now ends and gives its
// place back, instead of waiting in it; a timer puts the endpoint back in
// the pool's line once the rate allows the next request.
func TestRateLimitedEndpointHoldsNoPlace(t *testing.T) {
	d, e, p := restingDeliverer(t)
	free := func() int { d.pool.mu.Lock(); defer d.pool.mu.Unlock(); return d.pool.free }
	for i := range 5 {
		if batch := e.next(); len(batch) != 1 {
			t.Fatalf("request %d of the burst: batch of %d", i+1, len(batch))
		}
	}
	if batch := e.next(); batch != nil {
		t.Fatalf("a sixth request within the burst's second: batch of %d", len(batch))
	}
	e.mu.Lock()
	workers, resting, queued := e.workers, e.timer != nil, len(e.queue)
	e.mu.Unlock()
	if workers != 0 || !resting || queued != 3 {
		t.Fatalf("after the rate held the worker back: %d workers, resting %v, %d queued; want 0, true, 3", workers, resting, queued)
	}
	d.pool.release() // what work does when next returns nil
	if n := free(); n != 1 {
		t.Fatalf("%d free places after the worker rested, want 1", n)
	}
	// A job arriving while the endpoint rests asks for no worker.
	takeAt(p, 8)
	e.enqueue(jobAt(p, 8))
	if free() != 1 || d.pool.crowded() {
		t.Fatal("an enqueue woke a resting endpoint")
	}
	// Another endpoint's worker takes the place, so the timer's wake puts
	// this one in line instead of starting a worker.
	d.pool.mu.Lock()
	d.pool.free = 0
	d.pool.mu.Unlock()
	for deadline := time.Now().Add(5 * time.Second); !d.pool.crowded(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the endpoint not back in line 5 s after its rate allowed the next request")
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timer != nil || !e.inLine {
		t.Fatalf("after the wake: timer %v, in line %v", e.timer, e.inLine)
	}
}

// Shutdown abandons a resting endpoint's jobs and stops its timer.
func TestShutdownStopsARestingEndpoint(t *testing.T) {
	d, e, p := restingDeliverer(t)
	for e.next() != nil {
	}
	e.mu.Lock()
	resting := e.timer != nil
	e.mu.Unlock()
	if !resting {
		t.Fatal("the endpoint does not rest after its burst")
	}
	d.stopping.Store(true)
	e.sweep()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timer != nil || len(e.queue) != 0 {
		t.Fatalf("after shutdown's sweep: timer %v, %d queued", e.timer, len(e.queue))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// The five jobs the burst took are the (absent) worker's to finish.
	if p.active != 5 {
		t.Fatalf("%d records active, want the burst's 5 (the 3 queued abandoned)", p.active)
	}
}

// An endpoint with requests out and no answer for stallFor (it hangs, so
// nothing fails until the timeouts) is moved aside once it holds
// EndpointQueue jobs, though its share of MaxPending is far more: held in
// memory, its queue took the whole budget and stopped fetching for every
// endpoint. One that answers, or has nothing out, keeps its jobs.
func TestAnUnansweredEndpointIsMovedAside(t *testing.T) {
	d := &Deliverer{
		cfg:   Config{MaxInFlightPerEndpoint: 4, EndpointQueue: 8, MaxPending: 1 << 20},
		table: subscription.NewTable(), endpoints: map[string]*endpoint{}, pool: newPool(1),
	}
	d.table.PutSubscription(schemas.Subscription{ID: "hangs", Enabled: true})
	e := d.endpoint("hangs")
	p := newPartition("t", 0, outcome.NoTier)
	for off := range int64(8) {
		e.live[jobAt(p, off)] = struct{}{}
	}
	now := time.Now()
	for _, tc := range []struct {
		name     string
		workers  int
		answered time.Duration // before now
		want     bool
	}{
		{"no answer for longer than stallFor", 4, stallFor + time.Second, true},
		{"answered just now", 4, 0, false},
		{"nothing out", 0, stallFor + time.Second, false},
	} {
		e.workers, e.progress = tc.workers, now.Add(-tc.answered)
		if got := e.moveAside(now); got != tc.want {
			t.Errorf("%s: moveAside %v, want %v", tc.name, got, tc.want)
		}
	}
	e.workers, e.progress = 4, now.Add(-stallFor-time.Second)
	for j := range e.live { // one fewer than EndpointQueue
		delete(e.live, j)
		break
	}
	if e.moveAside(now) {
		t.Error("moved aside with fewer than EndpointQueue jobs")
	}
}

// A parked endpoint that is unanswered stays parked, though it holds little
// in memory, and is unparked once it answers: reading its tasks again before
// would only fill its queue until it is parked again.
func TestAnUnansweredEndpointStaysParkedUntilItAnswers(t *testing.T) {
	d := offlineDeliverer(t)
	d.table.PutSubscription(schemas.Subscription{ID: "hangs", Enabled: true})
	e := d.endpoint("hangs")
	p := d.partition(d.names.Deliveries, 0)
	trk := takeOf(p, "hangs", 0)
	if trk == nil {
		t.Fatal("offset 0 not taken")
	}
	j := &job{part: p, offset: 0, trk: trk}
	p.mu.Lock()
	l := p.laneFor("hangs", []*job{j})
	l.park([]*job{j}, nil)
	p.mu.Unlock()
	j.abandon()

	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		if e.probe != nil {
			e.probe.Stop()
		}
	}()
	e.parked[l] = struct{}{}
	e.workers, e.progress = 4, time.Now().Add(-stallFor-time.Second) // its requests hang
	if rewinds := e.roomAgain(); len(rewinds) != 0 || len(e.parked) != 1 {
		t.Fatal("an unanswered endpoint was unparked")
	}
	if e.probe == nil {
		t.Fatal("no later look was set for the unanswered endpoint")
	}
	e.progress = time.Now() // it answered
	if rewinds := e.roomAgain(); len(rewinds) != 1 || len(e.parked) != 0 {
		t.Fatalf("after its answer: %d partitions to rewind, %d lanes parked; want 1, 0", len(rewinds), len(e.parked))
	}
}
