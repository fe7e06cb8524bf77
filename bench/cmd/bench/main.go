// Command bench is hookstream's end-to-end benchmark (scripts/bench): it
// starts the stack, creates webhooks pointing at its own receiver, produces
// events through the producer library, waits until every expected delivery
// arrived and reports throughput, latency, CPU, memory, duplicates and
// losses.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hookstream/hookstream/bench/harness"
	"github.com/hookstream/hookstream/bench/proc"
	"github.com/hookstream/hookstream/bench/receiver"
	"github.com/hookstream/hookstream/bench/stack"
	"github.com/hookstream/hookstream/platform/config"
)

// flags are the benchmark's command line.
type flags struct {
	kafka      string
	scenario   string
	webhooks   int
	events     int
	size       int
	rate       float64
	errorRate  float64
	partitions int
	tiers      config.Durations
	timeout    time.Duration
	quiet      time.Duration
	json       bool
	bin, dir   string
	root       string
	delivererF string
	profile    string
}

func parse(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.kafka, "kafka", "embedded", "embedded (hookstream dev, one process) or real (scripts/kafka-local and separate router, deliverer and API processes)")
	fs.StringVar(&f.scenario, "scenario", "steady", "steady, fanout (one event to 100 webhooks), filters (fanout with a filter expression on every webhook), endpoints (1,000 endpoints), dead (healthy throughput with and without a dead endpoint), storm (30% of answers are 500)")
	fs.IntVar(&f.webhooks, "webhooks", 0, "webhooks (default by scenario: steady 10, fanout 100, filters 100, endpoints 1000, dead 10, storm 10)")
	fs.IntVar(&f.events, "events", 0, "events to produce (default by scenario: 10000 steady, dead and storm; 1000 fanout and filters; 20 endpoints)")
	fs.IntVar(&f.size, "event-size", 1024, "approximate JSON size of an event in bytes")
	fs.Float64Var(&f.rate, "rate", 0, "events per second (0: as fast as the producer takes them)")
	fs.Float64Var(&f.errorRate, "error-rate", -1, "share of answers that are 500 (default: 0.3 in storm, else 0); one message gets at most half as many 500s as there are retry tiers, so it is never dead-lettered for flakiness alone")
	fs.IntVar(&f.partitions, "partitions", 12, "partitions of the event, deliveries and retry topics")
	_ = f.tiers.Set(stack.ShortTiers)
	fs.Var(&f.tiers, "retry-tiers", "retry tiers of the stack (short, so retries finish within the run)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up waiting for deliveries after this long")
	fs.DurationVar(&f.quiet, "quiet", time.Minute, "give up sooner when no new delivery arrived for this long")
	fs.BoolVar(&f.json, "json", false, "print exactly one JSON line")
	fs.StringVar(&f.bin, "bin", "bin/hookstream", "the hookstream binary")
	fs.StringVar(&f.dir, "dir", ".cache/bench", "where runs keep logs and data")
	fs.StringVar(&f.root, "root", ".", "the repository root (for scripts/kafka-local)")
	fs.StringVar(&f.delivererF, "deliverer-flags", "", "extra flags for the deliverer processes of --kafka real, space separated")
	fs.StringVar(&f.profile, "cpuprofile", "", "directory to write a 5 s CPU profile of every process to, taken while deliveries flow")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	defaults := map[string][2]int{"steady": {10, 10000}, "fanout": {100, 1000}, "filters": {100, 1000}, "endpoints": {1000, 20}, "dead": {10, 10000}, "storm": {10, 10000}}
	d, ok := defaults[f.scenario]
	if !ok {
		return nil, fmt.Errorf("--scenario: %q is not steady, fanout, filters, endpoints, dead or storm", f.scenario)
	}
	if f.kafka != "embedded" && f.kafka != "real" {
		return nil, fmt.Errorf("--kafka: %q is neither embedded nor real", f.kafka)
	}
	if f.webhooks == 0 {
		f.webhooks = d[0]
	}
	if f.events == 0 {
		f.events = d[1]
	}
	if f.errorRate < 0 {
		f.errorRate = 0
		if f.scenario == "storm" {
			f.errorRate = 0.3
		}
	}
	if f.webhooks < 1 || f.events < 1 || f.size < 1 || f.partitions < 1 || f.errorRate >= 1 {
		return nil, errors.New("--webhooks, --events, --event-size and --partitions must be positive and --error-rate below 1")
	}
	return f, nil
}

// benchFilter is the expression of every webhook of the filters scenario:
// it reads the entity, its tags and the change description as a selective
// filter does, and, since the benchmark counts every (event, webhook) pair,
// takes every event the load produces (metadata events of any type).
const benchFilter = `event.entity.id != "" && !("Bench.Excluded" in event.entity.tags) && (event.eventType != "entityUpdated" || size(event.changeDescription.fieldsUpdated) >= 0)`

// result is the JSON line; the first keys are the contract of scripts/bench.
type result struct {
	DeliveriesPerSecond float64            `json:"deliveriesPerSecond"`
	P50Ms               float64            `json:"p50Ms"`
	P95Ms               float64            `json:"p95Ms"`
	P99Ms               float64            `json:"p99Ms"`
	Events              int                `json:"events"`
	Deliveries          int                `json:"deliveries"`
	Expected            int                `json:"expected"`
	Duplicates          int                `json:"duplicates"`
	Lost                int                `json:"lost"`
	CPUSecondsPer1k     float64            `json:"cpuSecondsPer1k"`
	PeakRSSMb           float64            `json:"peakRssMb"`
	EventsPerSecond     float64            `json:"eventsPerSecond"`
	PeakRSSMbByProcess  map[string]float64 `json:"peakRssMbByProcess"`
	Scenario            string             `json:"scenario"`
	Kafka               string             `json:"kafka"`
	Webhooks            int                `json:"webhooks"`
	Answered500         int64              `json:"answered500"`
	Seconds             float64            `json:"seconds"`
	// Baseline is the same run without the dead endpoint (scenario dead);
	// HealthyShare is this run's throughput over the baseline's.
	Baseline     *result `json:"baseline,omitempty"`
	HealthyShare float64 `json:"healthyShare,omitempty"`
	Error        string  `json:"error,omitempty"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(2)
	}
	res, err := run(ctx, f)
	if err != nil {
		res.Error = err.Error()
	}
	if f.json {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		printHuman(os.Stdout, res)
	}
	if err != nil || res.Lost > 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, f *flags) (*result, error) {
	res := &result{Scenario: f.scenario, Kafka: f.kafka, Webhooks: f.webhooks, Events: f.events}
	if f.scenario != "dead" {
		return res, runOnce(ctx, f, 0, res)
	}
	// The baseline has a stack of its own: in one embedded process the
	// second run would carry the first one's records in the broker's
	// memory, and the garbage collector's extra work on them would be
	// charged to the dead endpoint.
	base := &result{Scenario: "dead-baseline", Kafka: f.kafka, Webhooks: f.webhooks, Events: f.events}
	if err := runOnce(ctx, f, 0, base); err != nil {
		return res, fmt.Errorf("baseline: %w", err)
	}
	res.Baseline = base
	err := runOnce(ctx, f, 1, res)
	if base.DeliveriesPerSecond > 0 {
		res.HealthyShare = res.DeliveriesPerSecond / base.DeliveriesPerSecond
	}
	return res, err
}

// runOnce starts a stack with f.webhooks webhooks and dead more that never
// answer, measures one run into res, and stops the stack.
func runOnce(ctx context.Context, f *flags, dead int, res *result) error {
	kind := stack.Dev
	if f.kafka == "real" {
		kind = stack.Real
	}
	bin, err := filepath.Abs(f.bin)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(filepath.Join(f.dir, time.Now().Format("20060102-150405.000")))
	if err != nil {
		return err
	}
	var extra []string
	if f.delivererF != "" {
		extra = strings.Fields(f.delivererF)
	}
	s, err := stack.Start(ctx, stack.Config{Kafka: kind, Bin: bin, Root: f.root, Dir: dir, Partitions: f.partitions,
		RetryTiers: f.tiers, Routers: 1, Deliverers: 1, DelivererFlags: extra})
	if err != nil {
		return err
	}
	defer s.Stop()
	h, err := harness.New(ctx, s, f.errorRate, len(f.tiers)/2, f.size)
	if err != nil {
		return err
	}
	defer h.Close()
	behaviour := receiver.OK
	if f.errorRate > 0 {
		behaviour = receiver.Flaky
	}
	filter := ""
	if f.scenario == "filters" {
		filter = benchFilter
	}
	if err := h.AddWebhooks(ctx, f.webhooks, behaviour, filter); err != nil {
		return err
	}
	if dead > 0 {
		if err := h.AddWebhooks(ctx, dead, receiver.Dead, ""); err != nil {
			return err
		}
	}
	if err := h.WarmUp(ctx, 2*time.Minute); err != nil {
		return err
	}
	return measure(ctx, f, h, res)
}

// measure produces f.events events and waits for their deliveries to every
// expected webhook, filling res.
func measure(ctx context.Context, f *flags, h *harness.Harness, res *result) error {
	procs := h.Stack.Processes()
	cpuBefore := make([]time.Duration, len(procs))
	for i, p := range procs {
		p.Sample()
		cpuBefore[i], _ = p.Usage()
	}
	sctx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	go proc.SampleEvery(sctx, 250*time.Millisecond, procs...)

	if f.profile != "" {
		go profile(sctx, h.Stack, f.profile)
	}
	expected := f.events * len(h.Webhooks)
	res.Expected = expected
	start := time.Now()
	if err := h.Events.Produce(ctx, f.events, f.rate); err != nil {
		return err
	}
	produced := time.Since(start)
	res.EventsPerSecond = float64(f.events) / produced.Seconds()
	waitErr := h.WaitDelivered(ctx, expected, f.timeout, f.quiet)

	c := h.Receiver.Counts()
	res.Deliveries, res.Duplicates, res.Answered500 = c.Delivered, c.Duplicates, c.Failed
	res.Lost = max(expected-c.Delivered, 0)
	if !c.Last.IsZero() {
		elapsed := c.Last.Sub(start)
		res.Seconds = elapsed.Seconds()
		res.DeliveriesPerSecond = float64(c.Delivered) / elapsed.Seconds()
	}
	lat := h.Receiver.Latencies()
	res.P50Ms, res.P95Ms, res.P99Ms = harness.Percentile(lat, 50), harness.Percentile(lat, 95), harness.Percentile(lat, 99)
	var cpu time.Duration
	res.PeakRSSMbByProcess = map[string]float64{}
	for i, p := range procs {
		p.Sample()
		after, rss := p.Usage()
		cpu += after - cpuBefore[i]
		mb := float64(rss) / (1 << 20)
		res.PeakRSSMbByProcess[p.Name] = mb
		res.PeakRSSMb = max(res.PeakRSSMb, mb)
	}
	if c.Delivered > 0 {
		res.CPUSecondsPer1k = cpu.Seconds() / float64(c.Delivered) * 1000
	}
	if res.Lost > 0 {
		if err := h.Diagnose(ctx, os.Stderr, h.Missing(10), f.tiers); err != nil {
			fmt.Fprintln(os.Stderr, "bench: diagnose:", err)
		}
	}
	h.Receiver.Reset()
	return waitErr
}

func printHuman(w io.Writer, r *result) {
	if r.Baseline != nil {
		fmt.Fprintln(w, "baseline, without the dead endpoint:")
		printHuman(w, r.Baseline)
		fmt.Fprintf(w, "with one dead endpoint the healthy ones keep %.0f%% of their throughput\n", 100*r.HealthyShare)
	}
	fmt.Fprintf(w, "scenario %s, kafka %s, %d webhooks, %d events\n", r.Scenario, r.Kafka, r.Webhooks, r.Events)
	fmt.Fprintf(w, "  produced      %10.0f events/s\n", r.EventsPerSecond)
	fmt.Fprintf(w, "  delivered     %10.0f deliveries/s (%d of %d in %.1fs)\n", r.DeliveriesPerSecond, r.Deliveries, r.Expected, r.Seconds)
	fmt.Fprintf(w, "  latency       p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (produce to receipt)\n", r.P50Ms, r.P95Ms, r.P99Ms)
	fmt.Fprintf(w, "  cpu           %.3f s per 1,000 deliveries\n", r.CPUSecondsPer1k)
	for name, mb := range r.PeakRSSMbByProcess {
		fmt.Fprintf(w, "  peak rss      %s %.0f MB\n", name, mb)
	}
	fmt.Fprintf(w, "  duplicates %d, lost %d, answered 500 %d\n", r.Duplicates, r.Lost, r.Answered500)
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
	}
}

// profile saves a 5-second CPU profile of every process of s into dir.
func profile(ctx context.Context, s *stack.Stack, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bench: profile:", err)
		return
	}
	for p, addr := range s.Metrics {
		go func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/debug/pprof/profile?seconds=5", nil)
			if err != nil {
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench: profile:", err)
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, p.Name+".pprof"), b, 0o644)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench: profile:", err)
			}
		}()
	}
}
