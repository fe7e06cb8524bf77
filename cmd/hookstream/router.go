package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/ops"
	"github.com/hookstream/hookstream/router/route"
)

func runRouter(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var cfg route.Config
	fs := flag.NewFlagSet("hookstream router", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Register(fs)
	if err := config.Parse(fs, args, getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "hookstream router:", err)
		return errUsage
	}
	log := config.Logger(stderr, cfg.LogLevel)
	reg := ops.NewRegistry()
	r := route.New(cfg, log, reg)
	return runComponent(ctx, cfg.MetricsAddr, log, reg, r.Ready(), r.Run)
}
