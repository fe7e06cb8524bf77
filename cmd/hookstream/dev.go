package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/hookstream/hookstream/cmd/hookstream/devstack"
	"github.com/hookstream/hookstream/platform/config"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var cfg devstack.Config
	fs := flag.NewFlagSet("hookstream dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Register(fs)
	if err := config.Parse(fs, args, getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "hookstream dev:", err)
		return errUsage
	}
	log := config.Logger(stderr, cfg.LogLevel)
	stack, err := devstack.Start(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	stack.Print(stdout)
	return stack.Wait()
}
