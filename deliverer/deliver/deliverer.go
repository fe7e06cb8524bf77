package deliver

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

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
	// offsets fetches committed offsets with their metadata.
	offsets *kadm.Client

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
	// commitKick asks for a commit now (an ordered key waits for one).
	commitKick chan struct{}

	// pollMu guards pollStop, which cuts the poll in progress short, and
	// rewinds, the partitions whose lanes want records again (poll.go).
	pollMu   sync.Mutex
	pollStop context.CancelFunc
	rewinds  map[*partition]struct{}

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
		commitKick: make(chan struct{}, 1), rewinds: map[*partition]struct{}{},
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
	topics := d.names.TaskTopics()
	// The group client's assignment callback reads committed offsets
	// with their metadata (adjustOffsets) before the client is returned,
	// so it uses a client of its own.
	offsetsClient, err := kgo.NewClient(base...)
	if err != nil {
		return fmt.Errorf("deliverer: kafka client: %w", err)
	}
	defer offsetsClient.Close()
	d.offsets = kadm.NewClient(offsetsClient)
	client, err := kgo.NewClient(append(base[:len(base):len(base)],
		kgo.ConsumerGroup(d.cfg.Group),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// The router writes tasks in transactions: an aborted batch must
		// not be delivered.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Offsets are committed only up to each partition's low-water mark,
		// with what is finished above it in the metadata (commit.go).
		kgo.DisableAutoCommit(),
		// Records are handed to endpoint queues between a poll and
		// AllowRebalance, so a revoke never races a half-dispatched poll.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(d.onRevoked),
		// A partition starts where its commit's metadata says, which may
		// be below its committed offset (lanes; offsetmap.go).
		kgo.AdjustFetchOffsetsFn(d.adjustOffsets),
		kgo.OnPartitionsLost(d.onLost),
		// A resumed partition (a tier whose head came due) is fetched only
		// once the fetch in flight returns: a short wait keeps a due retry
		// from waiting up to franz-go's default of five seconds for it.
		kgo.FetchMaxWait(250*time.Millisecond),
		// A crashed deliverer's partitions move on after this long
		// (franz-go's default is 45 s).
		kgo.SessionTimeout(10*time.Second),
		// An ordered key's next task waits for its previous outcome's
		// records, so lingering for a batch would be added to every task
		// of a hot key; under load batches still form while produce
		// requests are in flight.
		kgo.ProducerLinger(0),
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
