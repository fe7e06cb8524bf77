package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

// Deliverer delivers tasks to webhooks.
type Deliverer struct {
	cfg     Config
	names   topic.Names
	delays  []time.Duration
	tierOf  map[string]int // topic → tier index (outcome.NoTier for deliveries)
	log     *slog.Logger
	metrics *metrics
	table   *subscription.Table
	sealer  *secret.Sealer
	sender  *send.Sender
	serde   *schemas.Serde
	client  *kgo.Client

	// hardCtx ends in-flight requests and produces: at the shutdown
	// deadline, not at SIGTERM, so requests under way can finish.
	hardCtx context.Context
	// softCtx ends at SIGTERM: a wait before a request (the table lookup)
	// ends there, and its tasks are abandoned for the next owner.
	softCtx context.Context
	// stopping: shutdown began; queued tasks are abandoned, not sent.
	stopping atomic.Bool

	partsMu sync.Mutex
	parts   map[topicPartition]*partition
	// commitMu keeps a periodic commit from landing after the final commit
	// of a revoked partition with an older mark.
	commitMu sync.Mutex

	epMu      sync.Mutex
	endpoints map[string]*endpoint
	active    atomic.Int64 // endpoints with queued jobs
	pool      *pool        // the process-wide in-flight bound
	workers   sync.WaitGroup

	budget   *budget
	statuses *statusBook
	missing  *missingBook
	ready    chan struct{}
}

type topicPartition struct {
	topic     string
	partition int32
}

// New returns a deliverer; reg receives its metrics. cfg must be valid.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Deliverer, error) {
	key, err := secret.ParseKey(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("deliverer: --secret-key: %w", err)
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("deliverer: %w", err)
	}
	guard, err := ssrf.New(cfg.Options())
	if err != nil {
		return nil, fmt.Errorf("deliverer: %w", err)
	}
	// Idle connections are kept per host up to the process's whole in-flight
	// bound: many webhooks share one host (every Slack webhook is
	// hooks.slack.com), and a pool sized for one webhook would close and
	// re-dial connections on every request (measured: 9% of CPU in dials).
	sender, err := send.New(send.Options{Guard: guard, Version: cfg.Version, MaxConnsPerHost: cfg.MaxInFlight})
	if err != nil {
		return nil, fmt.Errorf("deliverer: %w", err)
	}
	names := cfg.Names()
	d := &Deliverer{
		cfg: cfg, names: names, delays: cfg.RetryTiers, tierOf: map[string]int{names.Deliveries: outcome.NoTier},
		log: log.With("component", "deliverer"), metrics: newMetrics(reg, cfg.Webhooks.Enabled), table: subscription.NewTable(),
		sealer: sealer, sender: sender, parts: map[topicPartition]*partition{}, endpoints: map[string]*endpoint{},
		pool: newPool(cfg.MaxInFlight), budget: newBudget(cfg.MaxPending),
		statuses: newStatusBook(), missing: newMissingBook(), ready: make(chan struct{}),
	}
	for i, t := range names.Tiers {
		d.tierOf[t.Topic] = i
	}
	return d, nil
}

// Table is the deliverer's live subscription table.
func (d *Deliverer) Table() *subscription.Table { return d.table }

// Ready is closed once the subscription table is loaded and the deliverer
// joined its group.
func (d *Deliverer) Ready() <-chan struct{} { return d.ready }

// Run delivers until ctx ends, then stops fetching, lets in-flight requests
// finish for up to ShutdownTimeout, commits what finished and leaves the
// group.
func (d *Deliverer) Run(ctx context.Context) error {
	defer d.sender.Close()
	if !d.cfg.Webhooks.Enabled {
		return d.idle(ctx)
	}
	base, err := kafka.Options(d.cfg.Connection(), d.log)
	if err != nil {
		return fmt.Errorf("deliverer: %w", err)
	}
	admin, err := kgo.NewClient(base...)
	if err != nil {
		return fmt.Errorf("deliverer: kafka client: %w", err)
	}
	d.serde, err = provision.Setup(ctx, admin, d.names, int32(d.cfg.Partitions), d.cfg.Connection())
	admin.Close()
	if err != nil {
		return fmt.Errorf("deliverer: %w", err)
	}
	follower := subscription.NewFollower(base, d.names.Subscriptions, d.names.SubscriptionStatus, d.serde, d.table, d.log)
	return subscription.Follow(ctx, follower, func(ctx context.Context) error { return d.consume(ctx, base) })
}

// idle is Run with --webhooks-enabled=false: the deliverer does not join
// its group, so it fetches nothing, sends nothing and commits nothing, and
// every task waits at its committed offset for a deliverer that sends.
// Ready is closed: the process does what it was told.
func (d *Deliverer) idle(ctx context.Context) error {
	d.log.Warn("webhooks are turned off (--webhooks-enabled=false): nothing is fetched, sent or committed; tasks wait in Kafka until a deliverer runs with it true")
	close(d.ready)
	<-ctx.Done()
	return nil
}

func (d *Deliverer) consume(ctx context.Context, base []kgo.Opt) error {
	hardCtx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	d.hardCtx, d.softCtx = hardCtx, ctx
	topics := []string{d.names.Deliveries}
	for _, t := range d.names.Tiers {
		topics = append(topics, t.Topic)
	}
	client, err := kgo.NewClient(append(base[:len(base):len(base)],
		kgo.ConsumerGroup(d.cfg.Group),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// The router writes tasks in transactions: an aborted batch must
		// not be delivered.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Offsets are committed only up to each partition's low-water mark.
		kgo.DisableAutoCommit(),
		// Records are handed to endpoint queues between a poll and
		// AllowRebalance, so a revoke never races a half-dispatched poll.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(d.onRevoked),
		kgo.OnPartitionsLost(d.onLost),
		// A resumed partition (a tier whose head came due) is fetched only
		// once the fetch in flight returns: a short wait keeps a due retry
		// from waiting up to franz-go's default of five seconds for it.
		kgo.FetchMaxWait(250*time.Millisecond),
		// A crashed deliverer's partitions move on after this long
		// (franz-go's default is 45 s).
		kgo.SessionTimeout(10*time.Second),
	)...)
	if err != nil {
		return fmt.Errorf("deliverer: consumer: %w", err)
	}
	d.client = client
	close(d.ready)
	d.log.Info("delivering", "group", d.cfg.Group, "topics", topics)

	commitCtx, stopCommits := context.WithCancel(context.WithoutCancel(ctx))
	commitsDone := make(chan struct{})
	go func() { defer close(commitsDone); d.commitLoop(commitCtx) }()

	d.poll(ctx)

	d.shutdown(hardStop)
	stopCommits()
	<-commitsDone
	d.commitAll()
	client.Close()
	return nil
}

// poll fetches while there is room for more pending records.
func (d *Deliverer) poll(ctx context.Context) {
	for {
		if err := d.budget.wait(ctx); err != nil {
			return
		}
		fetches := d.client.PollRecords(ctx, d.budget.room())
		if ctx.Err() != nil {
			d.client.AllowRebalance()
			return
		}
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				d.log.Warn("fetch", "topic", t, "partition", p, "err", err)
			}
		})
		now := time.Now()
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) == 0 {
				return
			}
			d.takeRecords(ctx, fp.Topic, fp.Partition, fp.Records, now)
			lag := fp.HighWatermark - fp.Records[len(fp.Records)-1].Offset - 1
			d.metrics.lag.WithLabelValues(fp.Topic, strconv.Itoa(int(fp.Partition))).Set(float64(max(lag, 0)))
		})
		d.client.AllowRebalance()
		d.metrics.pending.Set(float64(d.budget.count()))
	}
}

// takeRecords decodes the records of one partition and admits them.
func (d *Deliverer) takeRecords(ctx context.Context, topicName string, num int32, recs []*kgo.Record, now time.Time) {
	p := d.partition(topicName, num)
	for _, rec := range recs {
		if !p.take(rec.Offset) {
			continue
		}
		d.budget.add()
		d.admit(d.intake(ctx, p, rec), now)
	}
}

// intake makes the job of one fetched record of p: its task, or, for the
// rejected topic, why it cannot be delivered (it does not decode, invalid
// UTF-8 included, or its task lacks what delivery needs).
func (d *Deliverer) intake(ctx context.Context, p *partition, rec *kgo.Record) *job {
	j := &job{part: p, offset: rec.Offset, produced: rec.Timestamp}
	if j.bad = d.decode(ctx, rec, &j.task); j.bad == nil {
		j.bad = checkTask(&j.task)
	}
	if j.bad != nil {
		j.raw = rec
	}
	return j
}

// checkTask refuses a task that decodes but cannot be delivered or
// recorded: one without a webhook or delivery id, or with ids so long that
// the records about it could outgrow the broker's limit.
func checkTask(t *schemas.DeliveryTask) error {
	for _, f := range []struct {
		name, v  string
		required bool
	}{
		{"deliveryId", t.DeliveryID, true}, {"webhookId", t.WebhookID, true}, {"eventId", t.EventID, false}, {"eventType", t.EventType, false},
	} {
		switch {
		case f.v == "" && f.required:
			return fmt.Errorf("task: %s is empty", f.name)
		case len(f.v) > schemas.MaxIDBytes:
			return fmt.Errorf("task: %s is %d bytes, more than %d", f.name, len(f.v), schemas.MaxIDBytes)
		}
	}
	if t.Attempt < 1 {
		return fmt.Errorf("task: attempt %d, want 1 or more", t.Attempt)
	}
	return nil
}

// decode reads a task. A record that cannot be decoded (garbage, unknown
// schema) is returned as an error for the rejected topic; a registry outage
// is waited out, because rejecting good records for it would lose them.
func (d *Deliverer) decode(ctx context.Context, rec *kgo.Record, task *schemas.DeliveryTask) error {
	for {
		err := d.serde.Decode(ctx, rec.Value, task)
		if err == nil || schemas.IsRejectable(err) || ctx.Err() != nil {
			return err
		}
		d.log.Warn("decode task: registry unavailable, retrying", "topic", rec.Topic, "offset", rec.Offset, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

func (d *Deliverer) partition(topicName string, num int32) *partition {
	d.partsMu.Lock()
	defer d.partsMu.Unlock()
	key := topicPartition{topicName, num}
	p, ok := d.parts[key]
	if !ok {
		p = newPartition(topicName, num, d.tierOf[topicName])
		if p.tier != outcome.NoTier {
			p.delay = d.delays[p.tier]
		}
		p.onRelease = d.budget.sub
		d.parts[key] = p
	}
	return p
}

// admit sends a due job on its way; a tier job that is not due yet waits in
// its partition's backlog, and the partition is paused until the head is due.
// Tiers have one fixed delay, so notBefore only grows along a partition and
// nothing behind the head can be due before it.
func (d *Deliverer) admit(j *job, now time.Time) {
	p := j.part
	p.mu.Lock()
	if len(p.backlog) == 0 && j.due(now) {
		p.mu.Unlock()
		d.dispatch(j)
		return
	}
	p.backlog = append(p.backlog, j)
	if len(p.backlog) == 1 {
		d.client.PauseFetchPartitions(map[string][]int32{p.topic: {p.num}})
		d.metrics.paused.Inc()
		p.timer = time.AfterFunc(j.dueAt().Sub(now), func() { d.wake(p) })
	}
	p.mu.Unlock()
}

// wake dispatches the due head of a paused partition's backlog and resumes
// fetching once the backlog is empty.
func (d *Deliverer) wake(p *partition) {
	p.mu.Lock()
	if p.revoked || len(p.backlog) == 0 {
		p.mu.Unlock()
		return
	}
	now := time.Now()
	n := 0
	for n < len(p.backlog) && p.backlog[n].due(now) {
		n++
	}
	ready := append([]*job(nil), p.backlog[:n]...)
	p.backlog = p.backlog[n:]
	if len(p.backlog) == 0 {
		p.backlog = nil
		d.client.ResumeFetchPartitions(map[string][]int32{p.topic: {p.num}})
		d.metrics.paused.Dec()
	} else {
		p.timer = time.AfterFunc(p.backlog[0].dueAt().Sub(now), func() { d.wake(p) })
	}
	p.mu.Unlock()
	for _, j := range ready {
		d.dispatch(j)
	}
}

// dispatch hands a job to its endpoint, or rejects an undecodable record.
func (d *Deliverer) dispatch(j *job) {
	if j.bad != nil {
		d.reject(j)
		return
	}
	d.endpoint(j.task.WebhookID).enqueue(j)
}

// onRevoked stops the revoked partitions, lets their in-flight requests
// finish (bounded), and commits what finished before the partitions move on.
func (d *Deliverer) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	parts := d.stopPartitions(revoked)
	deadline := time.NewTimer(d.cfg.ShutdownTimeout)
	defer deadline.Stop()
	for _, p := range parts {
		select {
		case <-p.drained:
		case <-deadline.C:
			d.log.Warn("revoke: in-flight deliveries did not finish; they will be redelivered", "topic", p.topic, "partition", p.num)
		case <-d.hardCtx.Done():
		}
	}
	d.commit(parts)
	d.forget(parts)
}

// onLost drops partitions that already belong to someone else: nothing of
// theirs may be committed any more.
func (d *Deliverer) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	d.forget(d.stopPartitions(lost))
}

// stopPartitions marks partitions revoked, abandons their waiting jobs and
// resumes them if paused (a paused partition would stay paused if it came
// back to this process).
func (d *Deliverer) stopPartitions(tps map[string][]int32) []*partition {
	var parts []*partition
	d.partsMu.Lock()
	for t, nums := range tps {
		for _, n := range nums {
			// Another deliverer reports this partition's lag from now on; a
			// stale value here would double it in sums.
			d.metrics.lag.DeleteLabelValues(t, strconv.Itoa(int(n)))
			if p, ok := d.parts[topicPartition{t, n}]; ok {
				parts = append(parts, p)
			}
		}
	}
	d.partsMu.Unlock()
	for _, p := range parts {
		backlog, paused := p.revoke()
		if paused {
			d.client.ResumeFetchPartitions(map[string][]int32{p.topic: {p.num}})
			d.metrics.paused.Dec()
		}
		for _, j := range backlog {
			j.abandon()
		}
	}
	d.sweepQueues()
	return parts
}

func (d *Deliverer) forget(parts []*partition) {
	d.partsMu.Lock()
	defer d.partsMu.Unlock()
	for _, p := range parts {
		if d.parts[topicPartition{p.topic, p.num}] == p {
			delete(d.parts, topicPartition{p.topic, p.num})
		}
	}
}

// commitLoop commits every partition's low-water mark a few times a second.
func (d *Deliverer) commitLoop(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.commitAll()
		}
	}
}

func (d *Deliverer) commitAll() {
	d.partsMu.Lock()
	parts := make([]*partition, 0, len(d.parts))
	for _, p := range d.parts {
		parts = append(parts, p)
	}
	d.partsMu.Unlock()
	d.commit(parts)
}

// commit commits the marks of parts that moved since their last commit.
func (d *Deliverer) commit(parts []*partition) {
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	offsets := map[string]map[int32]kgo.EpochOffset{}
	marks := map[*partition]int64{}
	for _, p := range parts {
		mark := p.uncommitted()
		if mark < 0 {
			continue
		}
		if offsets[p.topic] == nil {
			offsets[p.topic] = map[int32]kgo.EpochOffset{}
		}
		offsets[p.topic][p.num] = kgo.EpochOffset{Epoch: -1, Offset: mark}
		marks[p] = mark
	}
	if len(marks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var commitErr error
	d.client.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			commitErr = err
			return
		}
		commitErr = commitResponseErr(resp)
	})
	if commitErr != nil {
		d.log.Warn("commit offsets", "err", commitErr)
		return
	}
	for p, mark := range marks {
		p.committedTo(mark)
	}
}

// shutdown abandons queued work, gives in-flight requests ShutdownTimeout to
// finish, then cuts what is left and waits for every worker.
func (d *Deliverer) shutdown(hardStop context.CancelFunc) {
	d.stopping.Store(true)
	// Backlogs and queues are abandoned; revoke is not called on the
	// partitions, so their marks still commit below.
	d.partsMu.Lock()
	for _, p := range d.parts {
		for _, j := range p.dropBacklog() {
			j.abandon()
		}
	}
	d.partsMu.Unlock()
	d.sweepQueues()
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownTimeout)
	defer cancel()
	if !d.budget.drain(ctx) {
		d.log.Warn("shutdown: cutting in-flight deliveries; they will be redelivered", "pending", d.budget.count())
	}
	hardStop()
	d.workers.Wait()
}

// commitResponseErr is the first partition error of a commit response.
func commitResponseErr(resp *kmsg.OffsetCommitResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("commit %s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}
