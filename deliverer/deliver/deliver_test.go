package deliver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/health"
	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

func jobAt(p *partition, offset int64) *job {
	return &job{part: p, offset: offset, trk: &p.main, tier: p.tier}
}

// takeAt takes the record at offset of webhook "w" into p.
func takeAt(p *partition, offset int64) bool {
	return p.take(&kgo.Record{Topic: p.topic, Partition: p.num, Offset: offset, Key: []byte("w")}) != nil
}

// markOf is the offset p's next commit would carry.
func markOf(t *testing.T, p *partition) int64 {
	t.Helper()
	s, _, ok := p.snapshot()
	if !ok {
		t.Fatal("nothing tracked")
	}
	return s.offset
}

// The commit mark of a partition is its lowest unfinished record: a slow
// record holds the mark, not the records after it.
func TestPartitionMarkIsTheLowestUnfinished(t *testing.T) {
	released := 0
	p := newPartition("t", 0, outcome.NoTier)
	p.onRelease = func() { released++ }
	jobs := map[int64]*job{}
	for _, off := range []int64{10, 11, 12, 13} {
		if !takeAt(p, off) {
			t.Fatalf("offset %d not taken", off)
		}
		jobs[off] = jobAt(p, off)
	}
	if takeAt(p, 11) {
		t.Fatal("offset 11 taken twice (a refetch after a pause must be skipped)")
	}
	jobs[11].done()
	jobs[13].done()
	if m := markOf(t, p); m != 10 {
		t.Fatalf("mark %d while offset 10 is unfinished", m)
	}
	// 11 and 13 are finished above the mark: the metadata says so.
	if s, _, _ := p.snapshot(); s.meta == "" {
		t.Fatal("no metadata with records finished above the mark")
	}
	jobs[10].done()
	if m := markOf(t, p); m != 12 {
		t.Fatalf("mark %d, want 12 (offset 12 is unfinished)", m)
	}
	jobs[12].abandon()
	jobs[12].done() // a second finish is a no-op
	if m := markOf(t, p); m != 12 {
		t.Fatalf("an abandoned record moved the mark to %d", m)
	}
	s, changed, _ := p.snapshot()
	s.committed()
	if _, changed2, _ := p.snapshot(); !changed || changed2 {
		t.Fatalf("changed before the commit %v, after it %v; want true, false", changed, changed2)
	}
	if released != 4 {
		t.Fatalf("%d releases, want 4 (one per record)", released)
	}
	select {
	case <-p.drained:
		t.Fatal("drained before revoke")
	default:
	}
	if backlog, paused := p.revoke(); len(backlog) != 0 || paused {
		t.Fatalf("revoke returned backlog %d, paused %v", len(backlog), paused)
	}
	within(t, p.drained, "drained at once with nothing active")
}

func TestRevokeWaitsForActiveRecords(t *testing.T) {
	p := newPartition("t", 0, 0)
	takeAt(p, 1)
	j := jobAt(p, 1)
	p.backlog = []*job{jobAt(p, 2)}
	backlog, paused := p.revoke()
	if len(backlog) != 1 || !paused {
		t.Fatalf("backlog %d paused %v, want the waiting job back and paused", len(backlog), paused)
	}
	if takeAt(p, 3) {
		t.Fatal("a revoked partition took a record")
	}
	select {
	case <-p.drained:
		t.Fatal("drained with a record in flight")
	default:
	}
	j.done()
	within(t, p.drained, "drained once the record in flight finished")
	if m := markOf(t, p); m != 2 {
		t.Fatalf("a record finished during the revoke did not move the mark: %d", m)
	}
}

func TestJobDue(t *testing.T) {
	now := time.Now()
	tier := newPartition("retry", 0, 0)
	later := &job{part: tier, task: schemas.DeliveryTask{NotBefore: now.Add(time.Second)}}
	if later.due(now) || !later.due(now.Add(time.Second)) {
		t.Fatal("a tier task is due exactly at notBefore")
	}
	first := &job{part: newPartition("deliveries", 0, outcome.NoTier), task: schemas.DeliveryTask{NotBefore: now.Add(time.Hour)}}
	if !first.due(now) {
		t.Fatal("a deliveries task is always due")
	}
}

func TestStatusBook(t *testing.T) {
	b := newStatusBook()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	wh := subscription.Webhook{Subscription: schemas.Subscription{ID: "w", Enabled: true}}
	fail := health.Attempt{Result: outcome.Result{Kind: outcome.Retry, Reason: "status 500"}, StatusCode: 500, At: t0}
	for i := range 3 {
		b.apply(wh, fail, 3, func(st *schemas.SubscriptionStatus) {
			if st == nil || st.ConsecutiveFailures != int32(i+1) {
				t.Fatalf("failure %d: status %+v", i+1, st)
			}
		})
	}
	// The table has not seen the book's records yet: the book decides.
	if r := b.undeliverable(wh); r != "not sent: webhook is failed" {
		t.Fatalf("undeliverable %q after 3 failures with autoDisableAfter 3", r)
	}
	// A newer status written by someone else (re-enabled) wins.
	wh.Health = schemas.SubscriptionStatus{WebhookID: "w", Status: subscription.StatusActive, UpdatedAt: t0.Add(time.Minute)}
	if r := b.undeliverable(wh); r != "" {
		t.Fatalf("undeliverable %q after a newer active status", r)
	}
	wh.Enabled = false
	if r := b.undeliverable(wh); r == "" {
		t.Fatal("a webhook its owner disabled is deliverable")
	}
}

func TestMessageIDs(t *testing.T) {
	one := []*job{{task: schemas.DeliveryTask{DeliveryID: "msg_a"}}}
	if id := messageID(one); id != "msg_a" {
		t.Fatalf("single task id %q", id)
	}
	two := []*job{{task: schemas.DeliveryTask{DeliveryID: "msg_a"}}, {task: schemas.DeliveryTask{DeliveryID: "msg_b"}}}
	a, b := messageID(two), messageID(two)
	if a != b || a == "msg_a" || len(a) != len("msg_batch_")+32 {
		t.Fatalf("batch ids %q %q", a, b)
	}
	if messageID(two[:1]) == a {
		t.Fatal("a different batch got the same id")
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(2)
	b.add()
	b.add()
	if b.room() != 0 {
		t.Fatalf("room %d at the bound", b.room())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.wait(ctx); err == nil {
		t.Fatal("wait returned without room")
	}
	done := make(chan error, 1)
	waitCtx, cancelWait := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelWait()
	go func() { done <- b.wait(waitCtx) }()
	b.sub()
	if err := <-done; err != nil {
		t.Fatalf("wait after room was made: %v", err)
	}
	go b.sub()
	if !b.drain(waitCtx) || b.count() != 0 {
		t.Fatal("drain")
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		c := Defaults()
		c.Brokers, c.Registry, c.Partitions, c.LogLevel = []string{"k:9092"}, "http://r:8081", 3, "info"
		c.SecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		return c
	}
	if err := func() *Config { c := valid(); return &c }().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for flagName, mutate := range map[string]func(*Config){
		"--secret-key":                 func(c *Config) { c.SecretKey = "" },
		"--max-in-flight-per-endpoint": func(c *Config) { c.MaxInFlightPerEndpoint = 0 },
		"--circuit-cooldown":           func(c *Config) { c.CircuitCooldown = 0 },
		"--deny-cidrs":                 func(c *Config) { c.DenyCIDRs = []string{"nope"} },
		"--group":                      func(c *Config) { c.Group = "" },
		"--max-timeout":                func(c *Config) { c.Webhooks.MaxTimeout = 0 },
	} {
		c := valid()
		mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), flagName) {
			t.Errorf("%s: error %v does not name the flag", flagName, err)
		}
	}
}

func TestQueueLimit(t *testing.T) {
	d := &Deliverer{cfg: Config{EndpointQueue: 512, MaxPending: 8192}}
	start := time.Now()
	e := &endpoint{d: d, paceStart: start}
	d.active.Store(10)
	if got := e.queueLimit(start); got != 819 {
		t.Errorf("ten endpoints with work: limit %d, want their share of max-pending, 819", got)
	}
	d.active.Store(1000)
	if got := e.queueLimit(start); got != 512 {
		t.Errorf("a thousand endpoints with work: limit %d, want endpoint-queue, 512", got)
	}
	// Jobs queued and taken keep the count.
	d.active.Store(0)
	e.queued([]*job{{}})
	e.queued(append(e.queue, &job{}))
	if n := d.active.Load(); n != 1 {
		t.Errorf("one endpoint with two jobs counts %d endpoints with work", n)
	}
	e.queued(nil)
	if n := d.active.Load(); n != 0 {
		t.Errorf("an emptied queue leaves %d endpoints with work", n)
	}
	// 5,000 jobs taken in one second: five seconds of that pace.
	e.paceTaken = 5000
	if got := e.queueLimit(start.Add(time.Second)); got != 25000 {
		t.Errorf("at 5,000 jobs/s: limit %d, want 25,000", got)
	}
}

// within fails the test unless ch is closed (or sends) within ten seconds,
// so a bug that never closes it fails instead of hanging the test binary.
func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("not %s within 10 s", what)
	}
}
