package main

import (
	"context"
	"io"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/ops"
	"github.com/hookstream/hookstream/router/route"
)

func runRouter(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var cfg route.Config
	if err := parseFlags("router", args, stderr, getenv, cfg.Register, cfg.Validate); err != nil {
		return err
	}
	log := config.Logger(stderr, cfg.LogLevel)
	reg := ops.NewRegistry()
	r := route.New(cfg, log, reg)
	return runComponent(ctx, cfg.MetricsAddr, log, reg, r.Ready(), r.Run)
}
