// Command chaos is hookstream's fault test (scripts/chaos): the counting of
// the benchmark, while router and deliverer processes are killed with
// SIGKILL at random moments and restarted (and, with --kafka real, the
// broker is restarted), with endpoints that answer 500 to a share of
// requests; with --burn-cpu, a process of spinning goroutines keeps every
// core busy meanwhile. It reports what was expected, delivered, duplicated
// and lost, and how long it took; lost must be 0.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/hookstream/hookstream/bench/harness"
	"github.com/hookstream/hookstream/bench/load"
	"github.com/hookstream/hookstream/bench/proc"
	"github.com/hookstream/hookstream/bench/receiver"
	"github.com/hookstream/hookstream/bench/stack"
	"github.com/hookstream/hookstream/platform/config"
)

type flags struct {
	kafka            string
	webhooks, events int
	rate, errorRate  float64
	kills            int
	brokerRestarts   int
	routers          int
	deliverers       int
	partitions       int
	timeout          time.Duration
	quiet            time.Duration
	json             bool
	burnCPU          bool
	bin, dir, root   string
	seed             uint64
}

func parse(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.kafka, "kafka", "embedded", "embedded (an in-process broker in this tool, components as processes) or real (scripts/kafka-local, restarted too)")
	fs.IntVar(&f.webhooks, "webhooks", 5, "webhooks, every one flaky")
	fs.IntVar(&f.events, "events", 3000, "events to produce")
	fs.Float64Var(&f.rate, "rate", 200, "events per second, so kills land while events flow")
	fs.Float64Var(&f.errorRate, "error-rate", 0.2, "share of answers that are 500")
	fs.IntVar(&f.kills, "kills", 8, "SIGKILLs of router and deliverer processes while events flow")
	fs.IntVar(&f.brokerRestarts, "broker-restarts", 1, "broker restarts with --kafka real")
	fs.IntVar(&f.routers, "routers", 2, "router processes")
	fs.IntVar(&f.deliverers, "deliverers", 2, "deliverer processes")
	fs.IntVar(&f.partitions, "partitions", 6, "partitions of the event, deliveries and retry topics")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up waiting for deliveries after this long")
	fs.DurationVar(&f.quiet, "quiet", 2*time.Minute, "give up sooner when no new delivery arrived for this long")
	fs.BoolVar(&f.json, "json", false, "print exactly one JSON line")
	fs.BoolVar(&f.burnCPU, "burn-cpu", false, "keep every core busy with a process of spinning goroutines while events flow and deliveries are awaited")
	fs.StringVar(&f.bin, "bin", "bin/hookstream", "the hookstream binary")
	fs.StringVar(&f.dir, "dir", ".cache/chaos", "where runs keep logs")
	fs.StringVar(&f.root, "root", ".", "the repository root (for scripts/kafka-local)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the kill schedule (default: random, printed)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case f.kafka != "embedded" && f.kafka != "real":
		return nil, fmt.Errorf("--kafka: %q is neither embedded nor real", f.kafka)
	case f.webhooks < 1 || f.events < 1 || f.rate <= 0 || f.routers < 1 || f.deliverers < 1 || f.partitions < 1:
		return nil, errors.New("--webhooks, --events, --rate, --routers, --deliverers and --partitions must be positive")
	case f.errorRate < 0 || f.errorRate >= 1:
		return nil, errors.New("--error-rate must be in [0, 1)")
	}
	if f.seed == 0 {
		f.seed = rand.Uint64()
	}
	return f, nil
}

type result struct {
	Expected       int     `json:"expected"`
	Delivered      int     `json:"delivered"`
	Duplicates     int     `json:"duplicates"`
	Lost           int     `json:"lost"`
	Kills          int     `json:"kills"`
	BrokerRestarts int     `json:"brokerRestarts"`
	BurntCores     int     `json:"burntCores"`
	Answered500    int64   `json:"answered500"`
	Seed           uint64  `json:"seed"`
	Kafka          string  `json:"kafka"`
	Seconds        float64 `json:"seconds"`
	Error          string  `json:"error,omitempty"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == burnArg {
		if err := burn(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			os.Exit(2)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "chaos:", err)
		}
		os.Exit(2)
	}
	res, err := run(ctx, f)
	if err != nil {
		res.Error = err.Error()
		fmt.Fprintln(os.Stderr, "chaos:", err)
	}
	if f.json {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Printf("chaos (%s, seed %d): %d kills, %d broker restarts, %d cores burnt, %d answers 500\n", res.Kafka, res.Seed, res.Kills, res.BrokerRestarts, res.BurntCores, res.Answered500)
		fmt.Printf("  expected %d, delivered %d, duplicates %d, lost %d, in %.1fs\n", res.Expected, res.Delivered, res.Duplicates, res.Lost, res.Seconds)
	}
	if err != nil || res.Lost > 0 {
		os.Exit(1)
	}
}

func run(ctx context.Context, f *flags) (*result, error) {
	res := &result{Seed: f.seed, Kafka: f.kafka}
	kind := stack.Fake
	if f.kafka == "real" {
		kind = stack.Real
	}
	bin, err := filepath.Abs(f.bin)
	if err != nil {
		return res, err
	}
	dir, err := filepath.Abs(filepath.Join(f.dir, time.Now().Format("20060102-150405")))
	if err != nil {
		return res, err
	}
	var tiers config.Durations
	_ = tiers.Set(stack.ShortTiers)
	// The receiver fails one message at most half as many times as there
	// are tiers, so any missing delivery is a real loss.
	s, err := stack.Start(ctx, stack.Config{Kafka: kind, Bin: bin, Root: f.root, Dir: dir, Partitions: f.partitions,
		RetryTiers: tiers, Routers: f.routers, Deliverers: f.deliverers,
		DelivererFlags: []string{"--shutdown-timeout", "2s"}})
	if err != nil {
		return res, err
	}
	defer s.Stop()
	h, err := harness.New(ctx, s, harness.Config{ErrorRate: f.errorRate, MaxFailures: len(tiers) / 2, EventSize: 512})
	if err != nil {
		return res, err
	}
	defer h.Close()
	if _, err := h.AddWebhooks(ctx, f.webhooks, receiver.Flaky, load.Spec{}); err != nil {
		return res, err
	}
	if err := h.WarmUp(ctx, 2*time.Minute); err != nil {
		return res, err
	}
	start := time.Now()
	res.Expected = f.events * len(h.Webhooks)

	rng := rand.New(rand.NewPCG(f.seed, f.seed^0x9e3779b97f4a7c15))
	produceFor := time.Duration(float64(f.events) / f.rate * float64(time.Second))
	stopBurner := func() {}
	if f.burnCPU {
		// Bounded by the longest the run can take, should Stop never come.
		burner, err := startBurner(os.Stderr, runtime.NumCPU(), produceFor+f.timeout+time.Minute)
		if err != nil {
			return res, err
		}
		res.BurntCores = runtime.NumCPU()
		stopBurner = sync.OnceFunc(func() { _ = burner.Stop(10 * time.Second) })
		defer stopBurner()
	}
	chaosDone := make(chan error, 1)
	chaosCtx, stopChaos := context.WithCancel(ctx)
	defer stopChaos()
	go func() { chaosDone <- havoc(chaosCtx, f, s, rng, produceFor, res) }()

	if err := h.Events.Produce(ctx, f.events, f.rate, nil); err != nil {
		// A restart in flight would start a process after Stop ran.
		stopChaos()
		<-chaosDone
		return res, fmt.Errorf("produce: %w", err)
	}
	if err := <-chaosDone; err != nil {
		return res, err
	}
	waitErr := h.WaitDelivered(ctx, res.Expected, f.timeout, f.quiet)
	stopBurner() // a loss is diagnosed on idle cores
	c := h.Receiver.Counts()
	res.Delivered, res.Duplicates, res.Answered500 = c.Delivered, c.Duplicates, c.Failed
	res.Lost = max(res.Expected-c.Delivered, 0)
	res.Seconds = time.Since(start).Seconds()
	if res.Lost > 0 {
		if err := h.Diagnose(ctx, os.Stderr, h.Missing(10), tiers); err != nil {
			fmt.Fprintln(os.Stderr, "chaos: diagnose:", err)
		}
	}
	return res, waitErr
}

// havoc kills f.kills random router or deliverer processes at random moments
// within the production window, restarting each at once, and restarts a
// real broker f.brokerRestarts times.
func havoc(ctx context.Context, f *flags, s *stack.Stack, rng *rand.Rand, window time.Duration, res *result) error {
	victims := append(append([]*proc.Process{}, s.Routers...), s.Deliverers...)
	type event struct {
		at     time.Duration
		broker bool
	}
	var plan []event
	for range f.kills {
		plan = append(plan, event{at: time.Duration(rng.Int64N(int64(window)))})
	}
	if f.kafka == "real" {
		for range f.brokerRestarts {
			plan = append(plan, event{at: time.Duration(rng.Int64N(int64(window))), broker: true})
		}
	}
	start := time.Now()
	for len(plan) > 0 {
		next := 0
		for i, e := range plan {
			if e.at < plan[next].at {
				next = i
			}
		}
		e := plan[next]
		plan = append(plan[:next], plan[next+1:]...)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(start.Add(e.at))):
		}
		if e.broker {
			if err := s.RestartBroker(ctx); err != nil {
				return err
			}
			res.BrokerRestarts++
			continue
		}
		victim := victims[rng.IntN(len(victims))]
		if err := s.Restart(ctx, victim); err != nil {
			return fmt.Errorf("restart %s: %w", victim.Name, err)
		}
		res.Kills++
	}
	return nil
}
