package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/control/api"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/ops"
)

func runAPI(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var cfg api.Config
	if err := parseFlags("api", args, stderr, getenv, cfg.Register, cfg.Validate); err != nil {
		return err
	}
	cfg.Version = version
	log := config.Logger(stderr, cfg.LogLevel)
	reg := ops.NewRegistry()
	srv, err := api.New(cfg, log, reg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", cfg.Addr, err)
	}
	log.Info("control API listening", "addr", ln.Addr().String(), "console", "http://"+ln.Addr().String()+"/")
	return runComponent(ctx, cfg.MetricsAddr, log, reg, srv.Ready(), func(ctx context.Context) error {
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return srv.Run(ctx) })
		g.Go(func() error { return ops.Serve(ctx, ln, withProbes(srv.Handler(), reg, srv.Ready()), log) })
		return g.Wait()
	})
}

// withProbes serves /healthz, /readyz and /metrics beside the API, so a
// load balancer can probe the API address itself.
func withProbes(h http.Handler, reg *prometheus.Registry, ready <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	ops.Mount(mux, reg, func() error {
		select {
		case <-ready:
			return nil
		default:
			return errors.New("starting: loading subscriptions, history and dead letters")
		}
	})
	mux.Handle("/", h)
	return mux
}
