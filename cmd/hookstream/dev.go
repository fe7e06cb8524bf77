package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hookstream/hookstream/cmd/hookstream/devstack"
	"github.com/hookstream/hookstream/platform/config"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var cfg devstack.Config
	if err := parseFlags("dev", args, stderr, getenv, cfg.Register, cfg.Validate); err != nil {
		return err
	}
	cfg.Version = version
	log := config.Logger(stderr, cfg.LogLevel)
	stack, err := devstack.Start(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("dev: %w", err)
	}
	stack.Print(stdout)
	if cfg.Demo {
		if err := stack.RunDemo(ctx, stdout, devstack.DefaultDemoInterval); err != nil {
			stack.Close()
			return fmt.Errorf("dev --demo: %w", err)
		}
	}
	return stack.Wait()
}
