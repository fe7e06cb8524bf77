package main

import (
	"context"
	"io"

	"github.com/hookstream/hookstream/deliverer/deliver"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/ops"
)

func runDeliverer(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var cfg deliver.Config
	if err := parseFlags("deliverer", args, stderr, getenv, cfg.Register, cfg.Validate); err != nil {
		return err
	}
	cfg.Version = version
	log := config.Logger(stderr, cfg.LogLevel)
	reg := ops.NewRegistry()
	d, err := deliver.New(cfg, log, reg)
	if err != nil {
		return err
	}
	return runComponent(ctx, cfg.MetricsAddr, log, reg, d.Ready(), d.Run)
}
