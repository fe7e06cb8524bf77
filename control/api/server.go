// Package api is the control API (DESIGN §6): webhooks and their secrets,
// test and validate, the event catalogue, attempt history and retry, replay,
// and dead letters. It is the only writer of hookstream.subscriptions; it
// reads back what it writes through the same follower the router and
// deliverer use, and serves history and dead letters from indexes of their
// topics: the history's on local disk, resumed from its checkpoint at start
// (control/history), the dead letters' in memory, rebuilt at start.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/deadletter"
	"github.com/hookstream/hookstream/control/history"
	"github.com/hookstream/hookstream/control/replay"
	"github.com/hookstream/hookstream/control/taskread"
	"github.com/hookstream/hookstream/control/webhook"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/tail"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
	"github.com/hookstream/hookstream/schemas/expr"
)

// Server is the control API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	names   topic.Names
	tokens  *auth.Tokens
	catalog *catalog.Catalog
	rules   webhook.Rules
	sealer  *secret.Sealer
	sender  *send.Sender
	metrics *metrics

	table       *subscription.Table
	deadLetters *deadletter.Index

	// Set by Run before ready closes.
	history     *history.Store
	pending     history.Batch // the attempts of the fetch being applied (the attempts tail's goroutine only)
	historyTemp string        // the temporary index directory Run removes, if any
	client      *kgo.Client
	serde       *schemas.Serde
	tasks       *taskread.Reader // reads the events of attempts that point at their task
	follower    *subscription.Follower
	runCtx      context.Context // ends with Run; replays run under it

	writeMu sync.Mutex // one read-modify-write of a webhook at a time
	replays *replays
	ready   chan struct{}
	handler http.Handler
}

// New returns a server; reg receives its metrics. cfg must be valid.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Server, error) {
	tokens := auth.NewTokens()
	if cfg.TokensFile != "" {
		f, err := os.Open(cfg.TokensFile)
		if err != nil {
			return nil, fmt.Errorf("--tokens-file: %w", err)
		}
		err = tokens.Parse(f, cfg.TokensFile)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--tokens-file: %w", err)
		}
	}
	if cfg.AdminToken != "" {
		tokens.Add(cfg.AdminToken, auth.Principal{User: "admin", Role: auth.Admin})
	}
	cat, err := catalog.Load(cfg.CatalogFile)
	if err != nil {
		return nil, fmt.Errorf("--catalog-file: %w", err)
	}
	key, err := secret.ParseKey(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("--secret-key: %w", err)
	}
	sealer, err := secret.NewSealer(key)
	if err != nil {
		return nil, err
	}
	guard, err := ssrf.New(cfg.Options())
	if err != nil {
		return nil, err
	}
	sender, err := send.New(send.Options{Guard: guard, Version: cfg.Version})
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: log.With("component", "api"), names: cfg.Names(), tokens: tokens, catalog: cat,
		rules: webhook.Rules{Catalog: cat, Guard: guard, RetryTiers: cfg.RetryTiers, MaxTimeout: cfg.Webhooks.MaxTimeout, Expressions: expr.MustCompiler()}, sealer: sealer, sender: sender, metrics: newMetrics(reg, cfg.Webhooks),
		table: subscription.NewTable(), deadLetters: deadletter.NewIndex(),
		replays: newReplays(), ready: make(chan struct{}),
	}
	s.handler = s.routes()
	s.logSettings()
	return s, nil
}

// Handler serves the API; before Ready it answers 503.
func (s *Server) Handler() http.Handler { return s.handler }

// Ready is closed once subscriptions, history and dead letters are loaded.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Table is the API's live subscription table.
func (s *Server) Table() *subscription.Table { return s.table }

// historyFetchBytes is the least a fetch of the attempts topic waits for.
const historyFetchBytes = 128 << 10

// Run connects, loads the indexes and keeps them current until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	defer s.sender.Close()
	base, err := kafka.Options(s.cfg.Connection(), s.log)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	client, err := kgo.NewClient(append(base[:len(base):len(base)], kgo.ProducerLinger(0))...)
	if err != nil {
		return fmt.Errorf("api: kafka client: %w", err)
	}
	defer client.Close()
	serde, err := provision.Setup(ctx, client, s.names, int32(s.cfg.Partitions), s.cfg.Connection())
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	s.client, s.serde = client, serde
	s.tasks = taskread.New(client, serde)
	s.follower = subscription.NewFollower(base, s.names.Subscriptions, s.names.SubscriptionStatus, serde, s.table, s.log)
	store, from, err := s.openHistory(ctx, kadm.NewClient(client))
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	defer func() {
		store.Close()
		if s.historyTemp != "" {
			os.RemoveAll(s.historyTemp)
		}
	}()
	s.history, s.pending.Topic = store, s.names.Attempts
	// The broker holds the history's fetches until they carry
	// historyFetchBytes or the tail's wait runs out, so a burst of attempts
	// is read and indexed in fewer, larger batches; the index lags by at
	// most that wait.
	attempts := tail.New(append(base[:len(base):len(base)], kgo.FetchMinBytes(historyFetchBytes)), s.applyAttempt, s.log, s.names.Attempts)
	attempts.AfterFetch(s.commitAttempts)
	if from != nil {
		attempts.From(from)
	}
	dead := tail.New(base, s.applyDeadLetter, s.log, s.names.DeadLetters)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.follower.Run(gctx) })
	g.Go(func() error { return attempts.Run(gctx) })
	g.Go(func() error { return dead.Run(gctx) })
	g.Go(func() error { return store.Run(gctx, expireEvery) })
	g.Go(func() error {
		for _, c := range []<-chan struct{}{s.follower.Ready(), attempts.Ready(), dead.Ready()} {
			select {
			case <-c:
			case <-gctx.Done():
				return nil
			}
		}
		s.runCtx = gctx
		close(s.ready)
		s.log.Info("control API ready", "webhooks", len(s.webhooks()))
		<-gctx.Done()
		s.replays.wait()
		return nil
	})
	return g.Wait()
}

func (s *Server) applyAttempt(ctx context.Context, r *kgo.Record) {
	s.pending.Advance(r.Partition, r.Offset)
	var a schemas.DeliveryAttempt
	if err := s.serde.Decode(ctx, r.Value, &a); err != nil {
		s.log.Warn("history: skip undecodable attempt", "partition", r.Partition, "offset", r.Offset, "err", err)
		return
	}
	s.pending.Add(history.FromAttempt(a))
}

// commitAttempts writes the attempts of one fetch with the offsets they
// reach, in one batch.
func (s *Server) commitAttempts(kgo.Fetches) {
	n := len(s.pending.Records)
	if err := s.history.Apply(&s.pending); err != nil {
		s.log.Error("history: write", "attempts", n, "err", err)
	} else {
		s.metrics.historySize.Add(float64(n))
	}
	s.pending.Reset()
}

func (s *Server) applyDeadLetter(ctx context.Context, r *kgo.Record) {
	if r.Value == nil {
		for _, h := range r.Headers {
			if h.Key == wire.HeaderRedriven {
				s.deadLetters.MarkRedriven(string(r.Key), r.Timestamp.UTC())
			}
		}
		return
	}
	var d schemas.DeadLetter
	if err := s.serde.Decode(ctx, r.Value, &d); err != nil {
		s.log.Warn("dead letters: skip undecodable record", "partition", r.Partition, "offset", r.Offset, "err", err)
		return
	}
	s.deadLetters.Add(deadletter.FromRecord(deadletter.ID(r.Partition, r.Offset), d))
}

func (s *Server) webhooks() []subscription.Webhook {
	all, _ := s.table.All()
	return all
}

// replayDeps are what a replay needs from the running server.
func (s *Server) replayDeps() replay.Deps {
	return replay.Deps{Client: s.client, Serde: s.serde, Names: s.names}
}

// logSettings says at start which platform settings keep webhooks from
// being sent or tested, so a quiet endpoint has its reason in the log.
func (s *Server) logSettings() {
	if !s.cfg.Webhooks.Enabled {
		s.log.Warn("webhooks are turned off (--webhooks-enabled=false): webhooks can be saved, nothing is sent, test and validate are refused; tasks wait in Kafka until it is true again")
	} else if !s.cfg.Webhooks.TestsEnabled {
		s.log.Warn("test and validate are turned off (--webhook-tests-enabled=false)")
	}
}
