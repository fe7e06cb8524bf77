package route

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

// Router routes events to delivery tasks.
type Router struct {
	cfg     Config
	names   topic.Names
	log     *slog.Logger
	metrics *metrics
	table   *subscription.Table
	serde   *schemas.Serde
	catalog *catalog.Catalog // labels events by type

	programs     *match.Programs // the filter expressions, kept across index builds
	index        *match.Index
	indexVersion uint64
	ids          []string // scratch of routeRecord's matches
	ready        chan struct{}
	readyOnce    sync.Once
}

// New returns a router; reg receives its metrics.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) *Router {
	r := &Router{
		cfg: cfg, names: cfg.Names(), log: log.With("component", "router"), metrics: newMetrics(reg),
		table: subscription.NewTable(), catalog: catalog.Builtin(), ready: make(chan struct{}),
	}
	r.programs = match.NewPrograms(nil, r.filterFailed)
	return r
}

// filterFailed counts a webhook's failed filter expression (no match) and
// logs the first failure of each webhook: an expression that fails on every
// event must not write a line per event.
func (r *Router) filterFailed(e match.FilterError) {
	r.metrics.filterErrors.WithLabelValues(e.Reason).Inc()
	if e.First {
		r.log.Warn("filter expression failed: taken as no match", "webhookId", e.WebhookID, "reason", e.Reason, "err", e.Err)
	}
}

// Table is the router's live subscription table.
func (r *Router) Table() *subscription.Table { return r.table }

// Ready is closed once the subscription table is loaded and routing started.
func (r *Router) Ready() <-chan struct{} { return r.ready }

// Run routes until ctx ends; it then finishes the transaction in flight and
// leaves the group.
func (r *Router) Run(ctx context.Context) error {
	base, err := kafka.Options(r.cfg.Connection(), r.log)
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	if err := r.setup(ctx, base); err != nil {
		return err
	}
	follower := subscription.NewFollower(base, r.names.Subscriptions, r.names.SubscriptionStatus, r.serde, r.table, r.log)
	return subscription.Follow(ctx, follower, func(ctx context.Context) error { return r.route(ctx, base) })
}

// setup provisions topics and schemas (idempotent) and readies the serde.
func (r *Router) setup(ctx context.Context, base []kgo.Opt) error {
	admin, err := kgo.NewClient(base...)
	if err != nil {
		return fmt.Errorf("router: kafka client: %w", err)
	}
	defer admin.Close()
	serde, err := provision.Setup(ctx, admin, r.names, int32(r.cfg.Partitions), r.cfg.Connection())
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	r.serde = serde
	return nil
}

// errSessionBroken marks a transactional session that cannot go on: a
// Begin or End failed (a timeout while a killed peer's transaction was
// fenced, a lost coordinator), and the client may still believe it is inside
// a transaction, so every later Begin would fail too.
var errSessionBroken = errors.New("transactional session broken")

// route runs transactional sessions until ctx ends, replacing one that
// broke: the new session rejoins the group and its records are fetched
// again from the last committed offsets.
func (r *Router) route(ctx context.Context, base []kgo.Opt) error {
	for {
		err := r.session(ctx, base)
		if !errors.Is(err, errSessionBroken) {
			return err
		}
		r.log.Warn("starting a new transactional session", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// session routes with one transactional session until ctx ends or the
// session breaks.
func (r *Router) session(ctx context.Context, base []kgo.Opt) error {
	sess, err := kgo.NewGroupTransactSession(append(base[:len(base):len(base)],
		kgo.TransactionalID(r.cfg.TransactionalID),
		kgo.TransactionTimeout(10*time.Second), // bounds how long a crashed router's open transaction blocks read_committed readers
		kgo.ConsumerGroup(r.cfg.Group),
		// A crashed router's partitions wait this long for a new owner
		// (franz-go's default is 45 s).
		kgo.SessionTimeout(10*time.Second),
		kgo.ConsumeTopics(r.names.MetadataChanges, r.names.WorkflowCompletion),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
		kgo.OnPartitionsRevoked(r.forgetLag),
		kgo.OnPartitionsLost(r.forgetLag),
	)...)
	if err != nil {
		return fmt.Errorf("router: transactional session: %w", err)
	}
	defer sess.Close()
	r.readyOnce.Do(func() { close(r.ready) })
	r.log.Info("routing", "group", r.cfg.Group, "transactionalId", r.cfg.TransactionalID)
	for {
		fetches := sess.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			r.log.Warn("fetch", "topic", t, "partition", p, "err", err)
		})
		if fetches.NumRecords() == 0 {
			continue
		}
		if err := r.routeBatch(ctx, sess, fetches); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, errSessionBroken) {
				return err
			}
			// The batch was aborted and will be fetched again; wait a
			// little so a registry outage is not a busy loop.
			r.log.Warn("routing batch aborted, will retry", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
		}
	}
}

// routeBatch routes one poll's records in one transaction.
func (r *Router) routeBatch(ctx context.Context, sess *kgo.GroupTransactSession, fetches kgo.Fetches) error {
	if err := sess.Begin(); err != nil {
		return fmt.Errorf("begin transaction: %w: %w", errSessionBroken, err)
	}
	r.refreshIndex()
	promise := kgo.AbortingFirstErrPromise(sess.Client())
	now := time.Now().UTC()
	var (
		batchErr error
		oldest   time.Time
	)
	fetches.EachRecord(func(rec *kgo.Record) {
		if batchErr != nil {
			return
		}
		out, err := r.routeRecord(ctx, rec, now)
		if err != nil {
			batchErr = err
			return
		}
		if !out.eventTime.IsZero() && (oldest.IsZero() || out.eventTime.Before(oldest)) {
			oldest = out.eventTime
		}
		for _, o := range out.records {
			sess.Produce(ctx, o, promise.Promise())
		}
	})
	commit := kgo.TryCommit
	if batchErr != nil {
		commit = kgo.TryAbort
	}
	// End gets its own deadline: on SIGTERM the batch in flight still
	// commits (or aborts) cleanly instead of being cut off by ctx.
	endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	committed, err := sess.End(endCtx, commit && promise.Err() == nil)
	switch {
	case err != nil:
		r.metrics.transactions.WithLabelValues("aborted").Inc()
		return fmt.Errorf("end transaction: %w: %w", errSessionBroken, err)
	case batchErr != nil:
		r.metrics.transactions.WithLabelValues("aborted").Inc()
		r.setLag(fetches, false)
		return batchErr
	case !committed:
		// A rebalance or a failed produce: the batch is fetched again.
		r.metrics.transactions.WithLabelValues("aborted").Inc()
		if promise.Err() != nil {
			// Not after a rebalance: the partitions may be someone else's.
			r.setLag(fetches, false)
		}
		return errors.Join(errors.New("transaction not committed"), promise.Err())
	}
	r.metrics.transactions.WithLabelValues("committed").Inc()
	r.setLag(fetches, true)
	if !oldest.IsZero() {
		r.metrics.latency.Observe(time.Since(oldest).Seconds())
	}
	return nil
}

// routed is what the transaction produces for one fetched record.
type routed struct {
	records []*kgo.Record
	// eventTime is the routed event's time; zero when the record was
	// rejected.
	eventTime time.Time
}

// routeRecord turns one fetched record into a delivery task per matching
// webhook, or into one rejected record when it cannot be routed: it does
// not decode (invalid UTF-8 included), or a task of it would be over the
// broker's record size limit. Either way every record it returns fits that
// limit, so no record can make the transaction fail. An error means the
// record cannot be looked at now (the registry is unreachable): the batch
// is aborted and fetched again.
func (r *Router) routeRecord(ctx context.Context, rec *kgo.Record, now time.Time) (routed, error) {
	d, err := source.Decode(ctx, r.serde, r.names.WorkflowCompletion, rec)
	if err != nil {
		if !schemas.IsRejectable(err) {
			return routed{}, err
		}
		return r.reject(rec, err.Error(), now)
	}
	r.metrics.events.WithLabelValues(rec.Topic, r.catalog.Label(d.Type)).Inc()
	r.ids = r.index.Match(&d.Match, r.ids[:0])
	out := routed{records: make([]*kgo.Record, 0, len(r.ids)), eventTime: d.Time}
	for _, id := range r.ids {
		t, err := r.task(rec, &d, id, now)
		if err != nil {
			return routed{}, err
		}
		if !kafka.Fits(t) {
			return r.reject(rec, fmt.Sprintf("delivery task for webhook %s would be %d bytes, over the record size limit of %d bytes",
				id, kafka.RecordBytes(t), kafka.MaxRecordBatchBytes), now)
		}
		out.records = append(out.records, t)
	}
	r.metrics.matches.Add(float64(len(out.records)))
	return out, nil
}

// reject is the rejected record that keeps rec with reason.
func (r *Router) reject(rec *kgo.Record, reason string, now time.Time) (routed, error) {
	out, err := wire.Rejected(r.serde, r.names.Rejected, "router", rec, reason, now)
	if err != nil {
		return routed{}, err
	}
	r.metrics.rejected.WithLabelValues(rec.Topic).Inc()
	r.log.Warn("rejected record", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset, "reason", wire.Text(reason))
	return routed{records: []*kgo.Record{out}}, nil
}

// setLag sets the lag of the fetched partitions: after a commit, from the
// last record routed; after an abort, from the first, since none of them
// was routed. A batch that aborts again and again shows as a growing lag.
func (r *Router) setLag(fetches kgo.Fetches, committed bool) {
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		n := len(p.Records)
		if n == 0 {
			return
		}
		lag := p.HighWatermark - p.Records[n-1].Offset - 1
		if !committed {
			lag = p.HighWatermark - p.Records[0].Offset
		}
		r.metrics.lag.WithLabelValues(p.Topic, strconv.Itoa(int(p.Partition))).Set(float64(max(lag, 0)))
	})
}

// forgetLag drops the lag of partitions this router no longer owns; their
// new owner reports it, and a stale value here would double it in sums.
func (r *Router) forgetLag(_ context.Context, _ *kgo.Client, tps map[string][]int32) {
	for t, nums := range tps {
		for _, n := range nums {
			r.metrics.lag.DeleteLabelValues(t, strconv.Itoa(int(n)))
		}
	}
}

// refreshIndex rebuilds the matching index when the table changed.
func (r *Router) refreshIndex() {
	if r.index != nil && r.table.Version() == r.indexVersion {
		return
	}
	webhooks, version := r.table.All()
	r.index, r.indexVersion = r.programs.Build(webhooks), version
	r.metrics.webhooks.Set(float64(r.index.Len()))
}
