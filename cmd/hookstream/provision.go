package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
)

// provisionFlags are the flags of `hookstream provision`: the connection and
// topic flags every component has, without a metrics server (it exits).
type provisionFlags struct{ config.Common }

func (f *provisionFlags) register(fs *flag.FlagSet) {
	f.RegisterConnection(fs)
	f.RegisterTopics(fs)
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// runProvision creates every topic and registers every schema, then exits:
// the one-shot step of a deployment (docker-compose runs it before the
// services). Each component does the same at start, idempotently, so it is
// a convenience for operators who want topics to exist before anything runs,
// and a place to see provisioning errors alone.
func runProvision(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var f provisionFlags
	if err := parseFlags("provision", args, stderr, getenv, f.register, f.Validate); err != nil {
		return err
	}
	log := config.Logger(stderr, f.LogLevel)
	opts, err := kafka.Options(f.Connection(), log)
	if err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("provision: kafka client: %w", err)
	}
	defer client.Close()
	names := f.Names()
	if _, err := provision.Setup(ctx, client, names, int32(f.Partitions), f.Connection()); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	specs := names.Specs(int32(f.Partitions))
	fmt.Fprintf(stdout, "provisioned %d topics and their schemas (prefix %q)\n", len(specs), f.TopicPrefix)
	return nil
}
