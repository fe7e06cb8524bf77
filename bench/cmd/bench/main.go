// Command bench is hookstream's end-to-end benchmark (scripts/bench): it
// starts the stack, creates webhooks pointing at its own receiver, produces
// events through the producer library, waits until every expected delivery
// arrived and reports throughput, latency, CPU, memory, duplicates, losses,
// tasks moved to a retry tier and the order each key's events arrived in;
// the throughput scenarios put the receipts beside the machine's raw HTTP
// ceiling, measured in the same run (package ceiling).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hookstream/hookstream/bench/ceiling"
	"github.com/hookstream/hookstream/bench/stack"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/topic"
)

// flags are the benchmark's command line.
type flags struct {
	kafka      string
	scenario   string
	webhooks   int
	events     int
	entities   int
	updates    int
	ordering   string
	slowEvents int
	slowAnswer time.Duration
	seed       uint64
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
	profileFor time.Duration
	// ceilingFor and ceilingConc shape the raw HTTP ceiling measured before
	// the load of the scenarios that take it (ceilingFor 0: none).
	ceilingFor  time.Duration
	ceilingConc int
	// withCeiling: this run measures the ceiling before its load, as the
	// scenarios that report how fast hookstream delivers do, unless --rate
	// paces the load (the receipts then follow the rate, not the machine).
	withCeiling bool
	// changed are the product defaults this run departs from, each with
	// its reason.
	changed []string
}

func parse(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	var help strings.Builder
	for _, n := range names {
		fmt.Fprintf(&help, "\n  %s: %s", n, scenarios[n].help)
	}
	fs.StringVar(&f.kafka, "kafka", "embedded", "embedded (hookstream dev, one process) or real (scripts/kafka-local and separate router, deliverer and API processes)")
	fs.StringVar(&f.scenario, "scenario", "steady", "what to measure:"+help.String())
	fs.IntVar(&f.webhooks, "webhooks", 0, "healthy webhooks (default by scenario)")
	fs.IntVar(&f.events, "events", 0, "events to produce (default by scenario; the keyed scenarios produce --entities × --updates)")
	fs.IntVar(&f.entities, "entities", 0, "keyed scenarios: entities, each a Kafka key of its own (default by scenario)")
	fs.IntVar(&f.updates, "updates", 0, "keyed scenarios: updates of every entity (default by scenario)")
	fs.StringVar(&f.ordering, "ordering", "", "ordering of the webhooks: entity, endpoint or none (default by scenario, else the API's, entity; the ordered scenario runs entity and none)")
	fs.IntVar(&f.slowEvents, "slow-events", 160, "isolation: events the slow endpoint's webhook takes, spread over the load; at --slow-answer a request and the deliverer's per-endpoint in-flight bound (--max-in-flight-per-endpoint) they take slow-events × slow-answer / bound, which must fit in --timeout")
	fs.DurationVar(&f.slowAnswer, "slow-answer", 5*time.Second, "isolation: how long the slow endpoint takes to answer (within the webhooks' default 10 s timeout, so it is slow, not failing)")
	fs.Uint64Var(&f.seed, "seed", 1, "keyed scenarios: seed of the order the entities' updates are mixed in (both runs of ordered get the same)")
	fs.IntVar(&f.size, "event-size", 1024, "approximate JSON size of an event in bytes")
	fs.Float64Var(&f.rate, "rate", 0, "events per second (0: as fast as the producer takes them)")
	fs.Float64Var(&f.errorRate, "error-rate", -1, "share of answers that are 500 (default: 0.3 in storm, else 0); one message gets at most half as many 500s as there are retry tiers, so it is never dead-lettered for flakiness alone")
	fs.IntVar(&f.partitions, "partitions", 12, "partitions of the event, deliveries and retry topics")
	fs.Var(&f.tiers, "retry-tiers", "retry tiers of the stack (default by scenario: the product's "+tiersText(productTiers())+", or, where a scenario says why, "+stack.ShortTiers+")")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up waiting for deliveries after this long")
	fs.DurationVar(&f.quiet, "quiet", 0, "give up sooner when no new delivery arrived for this long (default: a minute, or the first retry tier's delay and 30 s more if that is longer, so a task moved to the first tier is waited for, not counted lost)")
	fs.BoolVar(&f.json, "json", false, "print exactly one JSON line")
	fs.StringVar(&f.bin, "bin", "bin/hookstream", "the hookstream binary")
	fs.StringVar(&f.dir, "dir", ".cache/bench", "where runs keep logs and data")
	fs.StringVar(&f.root, "root", ".", "the repository root (for scripts/kafka-local)")
	fs.StringVar(&f.delivererF, "deliverer-flags", "", "extra flags for the deliverer processes of --kafka real, space separated")
	fs.StringVar(&f.profile, "cpuprofile", "", "directory to write a CPU profile of every process to, taken from the first produce on")
	fs.DurationVar(&f.profileFor, "cpuprofile-duration", 5*time.Second, "how long --cpuprofile profiles (longer than the run: the deliveries' tail and the background work after it, such as the history's flushes, are in the profile too)")
	fs.DurationVar(&f.ceilingFor, "ceiling-duration", ceiling.DefaultDuration, "how long "+strings.Join(ceilingScenarios(), ", ")+" (and --scenario ceiling) measure the machine's raw HTTP ceiling before producing, while hookstream is idle (0: not at all, and not with --rate)")
	fs.IntVar(&f.ceilingConc, "ceiling-concurrency", ceiling.DefaultConcurrency, "requests in flight while the raw HTTP ceiling is measured")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	sc, ok := scenarios[f.scenario]
	if !ok {
		return nil, fmt.Errorf("--scenario: %q is not one of %s", f.scenario, strings.Join(names, ", "))
	}
	if f.kafka != "embedded" && f.kafka != "real" {
		return nil, fmt.Errorf("--kafka: %q is neither embedded nor real", f.kafka)
	}
	if f.ceilingConc < 1 || f.ceilingFor < 0 {
		return nil, errors.New("--ceiling-concurrency must be positive and --ceiling-duration not negative")
	}
	if sc.noStack {
		if f.ceilingFor == 0 {
			return nil, fmt.Errorf("--ceiling-duration: the %s scenario measures for a positive duration", f.scenario)
		}
		return f, nil
	}
	if err := f.fill(sc, set); err != nil {
		return nil, err
	}
	if f.webhooks < 1 || f.events < 1 || f.size < 1 || f.partitions < 1 || f.errorRate >= 1 || f.slowEvents < 1 || f.slowAnswer <= 0 {
		return nil, errors.New("--webhooks, --events, --entities, --updates, --event-size, --partitions, --slow-events and --slow-answer must be positive and --error-rate below 1")
	}
	return f, nil
}

// fill takes the scenario's defaults for what the command line left unset
// and notes every product default the run changes.
func (f *flags) fill(sc scenario, set map[string]bool) error {
	f.webhooks = cmp.Or(f.webhooks, sc.webhooks)
	if sc.updates > 0 {
		if set["events"] {
			return fmt.Errorf("--events: the %s scenario produces --entities × --updates events", f.scenario)
		}
		f.entities, f.updates = cmp.Or(f.entities, sc.entities), cmp.Or(f.updates, sc.updates)
		f.events = f.entities * f.updates
	} else if set["entities"] || set["updates"] {
		return fmt.Errorf("--entities, --updates: the %s scenario's events are the synthetic generator's; use --events", f.scenario)
	}
	f.events = cmp.Or(f.events, sc.events)
	switch {
	case sc.orderings != nil && set["ordering"]:
		return fmt.Errorf("--ordering: the %s scenario runs %s", f.scenario, strings.Join(sc.orderings, " and "))
	case f.ordering == "":
		f.ordering = sc.ordering
	case !slices.Contains([]string{"entity", "endpoint", "none"}, f.ordering):
		return fmt.Errorf("--ordering: %q is not entity, endpoint or none", f.ordering)
	}
	if f.errorRate < 0 {
		f.errorRate = sc.errorRate
	}
	product := productTiers()
	switch {
	case set["retry-tiers"]:
		if tiersText(f.tiers) != tiersText(product) {
			f.changed = append(f.changed, fmt.Sprintf("retry tiers %s instead of %s (--retry-tiers)", tiersText(f.tiers), tiersText(product)))
		}
	case sc.shortTiers != "":
		_ = f.tiers.Set(stack.ShortTiers)
		f.changed = append(f.changed, fmt.Sprintf("retry tiers %s instead of %s: %s", tiersText(f.tiers), tiersText(product), sc.shortTiers))
	default:
		f.tiers = product
	}
	if len(f.tiers) == 0 {
		return errors.New("--retry-tiers: at least one tier")
	}
	f.withCeiling = sc.ceiling && f.rate == 0 && f.ceilingFor > 0
	if f.quiet == 0 {
		f.quiet = max(time.Minute, f.tiers[0]+30*time.Second)
	}
	for _, name := range []string{"partitions", "deliverer-flags"} {
		if set[name] {
			f.changed = append(f.changed, fmt.Sprintf("--%s set on the command line", name))
		}
	}
	return nil
}

// productTiers are the retry tiers hookstream runs with unless told
// otherwise.
func productTiers() config.Durations {
	return append(config.Durations(nil), topic.DefaultRetryTiers...)
}

// tiersText writes tiers as the tier topics name them: 1m,5m,100ms.
func tiersText(tiers []time.Duration) string {
	s := make([]string, len(tiers))
	for i, d := range tiers {
		s[i] = topic.ShortDuration(d)
	}
	return strings.Join(s, ",")
}

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
	// CPUSecondsPer1kByProcess splits CPUSecondsPer1k by process, so a
	// profile's findings can be weighed by the share of the process.
	CPUSecondsPer1kByProcess map[string]float64 `json:"cpuSecondsPer1kByProcess"`
	Scenario                 string             `json:"scenario"`
	Kafka                    string             `json:"kafka"`
	Webhooks                 int                `json:"webhooks"`
	Answered500              int64              `json:"answered500"`
	// Seconds is from the first produce to the last first receipt at a
	// healthy webhook.
	Seconds float64 `json:"seconds"`
	// RetryTiers are the stack's; ChangedDefaults the product defaults the
	// run departed from, and why.
	RetryTiers      string   `json:"retryTiers"`
	ChangedDefaults []string `json:"changedDefaults,omitempty"`
	// Ordering is the healthy webhooks' ordering mode; Keys the distinct
	// Kafka keys of the load's events.
	Ordering string `json:"ordering"`
	Keys     int    `json:"keys"`
	// MovedToTier is the records written to the retry tiers from the first
	// produce to the end of the run (harness.TierRecords): a healthy
	// endpoint should see none. DeferredMetric is the growth of
	// hookstream_deliveries_total{outcome="deferred"}, absent when no
	// process exports it.
	MovedToTier    int64    `json:"movedToTier"`
	DeferredMetric *float64 `json:"deferredMetric,omitempty"`
	// OrderViolations are events that arrived at a webhook after a later
	// event of their key; KeyOverlaps requests that arrived while another
	// of their key was being answered (receiver's order check, over every
	// webhook). OrderSamples describe the first few.
	OrderViolations int      `json:"orderViolations"`
	KeyOverlaps     int      `json:"keyOverlaps"`
	OrderSamples    []string `json:"orderSamples,omitempty"`
	// Baseline is the same run without the dead endpoint (scenario dead)
	// or without the slow and the refusing one (isolation); HealthyShare
	// is this run's throughput over the baseline's.
	Baseline     *result `json:"baseline,omitempty"`
	HealthyShare float64 `json:"healthyShare,omitempty"`
	// Unordered is the same load with ordering none (scenario ordered);
	// OrderedShare is the ordered runs' throughput over the unordered
	// runs', and ShareRuns the deliveries/s of each run in the order they
	// ran (unordered, ordered, ordered, unordered).
	Unordered    *result   `json:"unordered,omitempty"`
	OrderedShare float64   `json:"orderedShare,omitempty"`
	ShareRuns    []float64 `json:"shareRuns,omitempty"`
	// SlowExpected and SlowDelivered are the slow endpoint's deliveries
	// (isolation), SlowSeconds the time from the first produce to its last.
	SlowExpected  int     `json:"slowExpected,omitempty"`
	SlowDelivered int     `json:"slowDelivered,omitempty"`
	SlowSeconds   float64 `json:"slowSeconds,omitempty"`
	// CeilingRequestsPerSecond is the machine's raw HTTP ceiling measured
	// in this run (package ceiling), before producing, while hookstream's
	// processes had nothing to do; Ceiling how it was measured, and
	// CeilingRatio this run's deliveries/s over it.
	// CeilingClientCPUSecondsPer1k is the ceiling's bare client's CPU per
	// 1,000 requests, to set beside CPUSecondsPer1k.
	CeilingRequestsPerSecond     float64      `json:"ceilingRequestsPerSecond,omitempty"`
	CeilingRatio                 float64      `json:"ceilingRatio,omitempty"`
	CeilingClientCPUSecondsPer1k float64      `json:"ceilingClientCpuSecondsPer1k,omitempty"`
	Ceiling                      *ceilingInfo `json:"ceiling,omitempty"`
	Error                        string       `json:"error,omitempty"`
}

func main() {
	ceiling.RunClientIfAsked()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := parse(os.Args[1:], os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(2)
	}
	res, err := scenarios[f.scenario].run(ctx, f)
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
