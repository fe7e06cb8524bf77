package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/platform/ops"
)

// runComponent runs one component's loop beside its /metrics, /healthz and
// /readyz server, until ctx ends or either fails.
func runComponent(ctx context.Context, metricsAddr string, log *slog.Logger, reg *prometheus.Registry, ready <-chan struct{}, run func(context.Context) error) error {
	g, ctx := errgroup.WithContext(ctx)
	if metricsAddr != "" {
		ln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr %s: %w", metricsAddr, err)
		}
		mux := http.NewServeMux()
		ops.MountProfiling(mux)
		ops.Mount(mux, reg, func() error {
			select {
			case <-ready:
				return nil
			default:
				return fmt.Errorf("starting")
			}
		})
		g.Go(func() error { return ops.Serve(ctx, ln, mux, log) })
	}
	g.Go(func() error { return run(ctx) })
	return g.Wait()
}
