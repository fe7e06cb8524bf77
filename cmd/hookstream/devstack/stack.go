package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/control/api"
	"github.com/hookstream/hookstream/deliverer/deliver"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/ops"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/schemastore"
	"github.com/hookstream/hookstream/router/route"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

// Stack is a running embedded stack.
type Stack struct {
	// KafkaAddr, RegistryURL, APIURL and MetricsURL are where the services
	// really listen (a :0 flag picks a free port).
	KafkaAddr   string
	RegistryURL string
	APIURL      string
	MetricsURL  string
	AdminToken  string
	DataDir     string

	log       *slog.Logger
	broker    *kfake.Cluster
	client    *kgo.Client
	serde     *schemas.Serde
	ready     atomic.Bool
	group     *errgroup.Group
	router    *route.Router
	deliverer *deliver.Deliverer
	api       *api.Server
	cancel    context.CancelFunc
}

// Start brings the stack up and returns once every topic exists and every
// schema is registered; it runs until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (_ *Stack, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	token := cfg.AdminToken
	if token == "" {
		if token, err = adminToken(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	key := cfg.SecretKey
	if key == "" {
		if key, err = secretKey(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	broker, err := startBroker(cfg.KafkaAddr, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Stack{KafkaAddr: broker.ListenAddrs()[0], AdminToken: token, DataDir: cfg.DataDir, log: log, broker: broker, cancel: cancel}
	defer func() {
		if err != nil {
			// Stop whatever already runs before the broker goes away.
			s.cancel()
			if s.group != nil {
				_ = s.group.Wait()
			}
			s.close()
		}
	}()
	opts, err := kafka.Options(config.Connection{Brokers: []string{s.KafkaAddr}, ClientID: "hookstream-dev"}, nil)
	if err != nil {
		return nil, err
	}
	s.client, err = kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	names := cfg.Names()
	specs := names.Specs(int32(cfg.Partitions))
	if err := provision.Topics(ctx, kadm.NewClient(s.client), specs, -1); err != nil {
		return nil, err
	}

	reg, err := registry.New(ctx, schemastore.New(s.client, names.Schemas, log), log)
	if err != nil {
		return nil, err
	}
	regLn, err := net.Listen("tcp", cfg.RegistryAddr)
	if err != nil {
		return nil, fmt.Errorf("--registry-addr %s: %w", cfg.RegistryAddr, err)
	}
	s.RegistryURL = "http://" + regLn.Addr().String()
	apiLn, err := net.Listen("tcp", cfg.APIAddr)
	if err != nil {
		regLn.Close()
		return nil, fmt.Errorf("--api-addr %s: %w", cfg.APIAddr, err)
	}
	s.APIURL = "http://" + apiLn.Addr().String()

	metrics := ops.NewRegistry()
	var g *errgroup.Group
	g, ctx = errgroup.WithContext(ctx)
	s.group = g
	g.Go(func() error { return ops.Serve(ctx, regLn, reg.Handler(), log) })
	apiMux := http.NewServeMux()
	ops.Mount(apiMux, metrics, s.readiness)
	// The API's own routes join the mux once it is built (ServeMux takes
	// registrations while serving).
	g.Go(func() error { return ops.Serve(ctx, apiLn, apiMux, log) })
	if cfg.MetricsAddr != "" {
		mLn, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return nil, fmt.Errorf("--metrics-addr %s: %w", cfg.MetricsAddr, err)
		}
		s.MetricsURL = "http://" + mLn.Addr().String() + "/metrics"
		mux := http.NewServeMux()
		ops.Mount(mux, metrics, s.readiness)
		ops.MountProfiling(mux)
		g.Go(func() error { return ops.Serve(ctx, mLn, mux, log) })
	}

	srClient, err := sr.NewClient(sr.URLs(s.RegistryURL))
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	s.serde = schemas.NewSerde(srClient, schemas.MustLoad())
	if err := provision.Schemas(ctx, s.serde, specs); err != nil {
		return nil, err
	}
	registerUptime(metrics)

	common := cfg.Common
	common.Brokers, common.Registry, common.ClientID = []string{s.KafkaAddr}, s.RegistryURL, "hookstream-dev"
	s.router = route.New(route.Config{Common: common, Group: "hookstream-router", TransactionalID: "hookstream-dev-router"}, log, metrics)
	g.Go(func() error { return s.router.Run(ctx) })
	dcfg := deliver.Defaults()
	dcfg.Common, dcfg.SecretKey, dcfg.Version, dcfg.ShutdownTimeout = common, key, cfg.Version, 5*time.Second
	dcfg.Flags, dcfg.Webhooks = cfg.Guard(), cfg.Webhooks
	if s.deliverer, err = deliver.New(dcfg, log, metrics); err != nil {
		return nil, err
	}
	g.Go(func() error { return s.deliverer.Run(ctx) })
	acfg := api.Defaults()
	acfg.Common, acfg.AdminToken, acfg.TokensFile, acfg.SecretKey, acfg.Version = common, token, cfg.TokensFile, key, cfg.Version
	acfg.Flags, acfg.Webhooks, acfg.HistoryDir = cfg.Guard(), cfg.Webhooks, filepath.Join(cfg.DataDir, "history")
	if s.api, err = api.New(acfg, log, metrics); err != nil {
		return nil, err
	}
	apiMux.Handle("/", s.api.Handler())
	g.Go(func() error { return s.api.Run(ctx) })
	for _, ready := range []<-chan struct{}{s.router.Ready(), s.deliverer.Ready(), s.api.Ready()} {
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("dev: stopped while starting")
		}
	}
	s.ready.Store(true)
	return s, nil
}

func (s *Stack) readiness() error {
	if !s.ready.Load() {
		return errors.New("starting: topics and schemas not provisioned yet")
	}
	return nil
}

// Print writes where every service listens, one `name: value` line each.
func (s *Stack) Print(w io.Writer) {
	fmt.Fprintf(w, "hookstream dev is ready\n")
	fmt.Fprintf(w, "  kafka: %s\n", s.KafkaAddr)
	fmt.Fprintf(w, "  registry: %s\n", s.RegistryURL)
	fmt.Fprintf(w, "  api: %s\n", s.APIURL)
	fmt.Fprintf(w, "  console: %s/\n", s.APIURL)
	if s.MetricsURL != "" {
		fmt.Fprintf(w, "  metrics: %s\n", s.MetricsURL)
	}
	fmt.Fprintf(w, "  admin-token: %s\n", s.AdminToken)
	fmt.Fprintf(w, "  data-dir: %s\n", s.DataDir)
}

// Wait blocks until the stack stops, then releases the broker (which flushes
// its data directory) and returns the first error of any service.
func (s *Stack) Wait() error {
	err := s.group.Wait()
	s.close()
	return err
}

// Close stops every service and waits for them.
func (s *Stack) Close() error {
	s.cancel()
	return s.Wait()
}

func (s *Stack) close() {
	s.cancel()
	if s.client != nil {
		s.client.Close()
	}
	s.broker.Close()
}

// registerUptime exposes how long the embedded stack has run.
func registerUptime(reg *prometheus.Registry) {
	start := time.Now()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hookstream_dev_uptime_seconds",
		Help: "Seconds since the embedded stack started.",
	}, func() float64 { return time.Since(start).Seconds() }))
}
