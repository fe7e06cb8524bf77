package deliver

import (
	"testing"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// An ordered finish asks for a commit at once only when a job of its key
// waits for that commit: with nobody behind it the next tick's commit does,
// and a job that comes later, behind a finished one, asks for it then.
func TestOrderedFinishKicksTheCommitOnlyForASuccessor(t *testing.T) {
	d := &Deliverer{
		cfg:   Config{MaxInFlightPerEndpoint: 4, EndpointQueue: 16, MaxPending: 16},
		table: subscription.NewTable(), endpoints: map[string]*endpoint{}, pool: newPool(1),
		commitKick: make(chan struct{}, 1),
	}
	d.table.PutSubscription(schemas.Subscription{ID: "w", Enabled: true, Ordering: schemas.OrderingEntity})
	e := d.endpoint("w")
	e.workers = d.cfg.MaxInFlightPerEndpoint // the test plays the workers: enqueue only queues
	p := newPartition("t", 0, outcome.NoTier)
	add := func(off int64, key string) *job {
		if !takeAt(p, off) {
			t.Fatalf("offset %d not taken", off)
		}
		j := jobAt(p, off)
		j.task.OrderingKey = key
		e.enqueue(j)
		return j
	}
	send := func(want *job) {
		t.Helper()
		if batch := e.next(); len(batch) != 1 || batch[0] != want {
			t.Fatalf("the worker took %d jobs, want the one at offset %d", len(batch), want.offset)
		}
	}
	kicked := func() bool {
		select {
		case <-d.commitKick:
			return true
		default:
			return false
		}
	}

	a1 := add(0, "a")
	send(a1)
	a1.done()
	if kicked() {
		t.Fatal("a finish with nobody of its key behind it asked for a commit now")
	}
	add(1, "a") // behind a1, which waits only for its commit
	if !kicked() {
		t.Fatal("a job behind a finished one did not ask for the commit")
	}

	b1 := add(2, "b")
	send(b1)
	add(3, "b") // behind b1, still out: its finish asks
	if kicked() {
		t.Fatal("a job behind one still in flight asked for a commit")
	}
	b1.done()
	if !kicked() {
		t.Fatal("a finish with a job of its key behind it did not ask for the commit")
	}
}
