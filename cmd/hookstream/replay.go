package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/control/replay"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/subscription"
)

// replayFlags are `hookstream replay --webhook ID --since T [--until T]`.
type replayFlags struct {
	config.Common
	webhook      string
	since, until string
}

func (f *replayFlags) register(fs *flag.FlagSet) {
	f.RegisterConnection(fs)
	f.RegisterTopics(fs)
	fs.StringVar(&f.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.webhook, "webhook", "", "id of the webhook to replay to (required)")
	fs.StringVar(&f.since, "since", "", "replay events from this time, RFC 3339 (required)")
	fs.StringVar(&f.until, "until", "", "replay events before this time, RFC 3339 (default: up to now)")
}

func (f *replayFlags) validate() error {
	if err := f.Common.Validate(); err != nil {
		return err
	}
	if f.webhook == "" {
		return fmt.Errorf("--webhook: required")
	}
	since, until, err := f.times()
	if err != nil {
		return err
	}
	if !until.IsZero() && !until.After(since) {
		return fmt.Errorf("--until: must be after --since")
	}
	return nil
}

func (f *replayFlags) times() (since, until time.Time, err error) {
	if since, err = time.Parse(time.RFC3339Nano, f.since); err != nil {
		return since, until, fmt.Errorf("--since: want an RFC 3339 time like 2026-01-02T15:04:05Z: %w", err)
	}
	if f.until != "" {
		if until, err = time.Parse(time.RFC3339Nano, f.until); err != nil {
			return since, until, fmt.Errorf("--until: want an RFC 3339 time: %w", err)
		}
	}
	return since, until, nil
}

// runReplay re-routes the webhook's events of a time range, as the API's
// replay does, printing progress each second and a summary at the end.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var f replayFlags
	if err := parseFlags("replay", args, stderr, getenv, f.register, f.validate); err != nil {
		return err
	}
	since, until, _ := f.times() // validated
	log := config.Logger(stderr, f.LogLevel)
	base, err := kafka.Options(f.Connection(), log)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	client, err := kgo.NewClient(base...)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer client.Close()
	names := f.Names()
	serde, err := provision.Setup(ctx, client, names, int32(f.Partitions), f.Connection())
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	table := subscription.NewTable()
	follower := subscription.NewFollower(base, names.Subscriptions, names.SubscriptionStatus, serde, table, log)
	job := replay.NewJob(fmt.Sprintf("rp_cli_%d", time.Now().UnixNano()), f.webhook, since, until)
	g, gctx := errgroup.WithContext(ctx)
	followCtx, stopFollowing := context.WithCancel(gctx)
	g.Go(func() error { return follower.Run(followCtx) })
	g.Go(func() error {
		defer stopFollowing()
		select {
		case <-follower.Ready():
		case <-gctx.Done():
			return gctx.Err()
		}
		wh, ok := table.Get(f.webhook)
		if !ok {
			return fmt.Errorf("replay: webhook %s does not exist", f.webhook)
		}
		return report(gctx, stdout, job, func(ctx context.Context) error {
			return replay.Run(ctx, replay.Deps{Client: client, Serde: serde, Names: names}, job, wh)
		})
	})
	return g.Wait()
}

// report runs the replay and prints its progress every second.
func report(ctx context.Context, out io.Writer, job *replay.Job, run func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			p := job.Progress()
			fmt.Fprintf(out, "replay %s %s: %d records in range, %d read, %d tasks produced, %d undecodable\n",
				p.ID, p.State, p.Total, p.Scanned, p.Matched, p.Skipped)
			return err
		case <-tick.C:
			p := job.Progress()
			fmt.Fprintf(out, "replay %s: %d/%d read, %d tasks\n", p.ID, p.Scanned, p.Total, p.Matched)
		}
	}
}
