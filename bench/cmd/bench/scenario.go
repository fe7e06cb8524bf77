package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/hookstream/hookstream/bench/load"
)

// scenario is one --scenario: its defaults and how it runs.
type scenario struct {
	help string
	// webhooks are the healthy ones; events the load (entities × updates
	// when updates is set: a keyed load, load.Interleave).
	webhooks, events  int
	entities, updates int
	// ordering is the webhooks' ordering mode ("": the API's default);
	// orderings, when set, are the modes the scenario compares itself.
	ordering  string
	orderings []string
	errorRate float64
	// shortTiers, when set, is why the scenario runs with stack.ShortTiers
	// instead of the product's default tiers.
	shortTiers string
	// ceiling: the scenario reports how fast hookstream delivers, and
	// measures the raw HTTP ceiling before its load to put the receipts
	// beside it (flags.withCeiling). noStack: the scenario starts no stack and
	// takes none of the load's flags.
	ceiling, noStack bool
	run              func(ctx context.Context, f *flags) (*result, error)
}

// Why the scenarios measured before the default-tier rows keep short tiers.
const (
	retriesWithinRun = "short, so a delivery retried under load arrives within the run instead of a minute or more later (the burst scenario measures the steady load with the default tiers)"
	stormWithinRun   = "short, so the storm's retries finish within the run"
)

// interleaveWindow is how many entities a keyed load changes at once
// (load.Interleave): about that many events lie between two updates of one
// key, a few per partition, so an ordered deliverer meets a key's next
// update while the previous one is still in flight.
const interleaveWindow = 100

var scenarios = map[string]scenario{
	"steady":    {help: "10 webhooks × 10,000 events", webhooks: 10, events: 10000, shortTiers: retriesWithinRun, ceiling: true, run: single},
	"fanout":    {help: "one event to 100 webhooks, 1,000 events", webhooks: 100, events: 1000, shortTiers: retriesWithinRun, ceiling: true, run: single},
	"filters":   {help: "fanout with a filter expression on every webhook", webhooks: 100, events: 1000, shortTiers: retriesWithinRun, ceiling: true, run: single},
	"endpoints": {help: "1,000 endpoints, 20 events", webhooks: 1000, events: 20, shortTiers: retriesWithinRun, run: single},
	"dead":      {help: "healthy throughput of 10 webhooks with and without a dead endpoint beside them", webhooks: 10, events: 10000, shortTiers: retriesWithinRun, run: dead},
	"storm":     {help: "30% of answers are 500", webhooks: 10, events: 10000, errorRate: 0.3, shortTiers: stormWithinRun, run: single},
	"burst": {help: "the steady load with the default retry tiers: 100,000 deliveries; no task may be moved to a tier", webhooks: 10, events: 10000,
		ceiling: true, run: burst},
	"ordered": {help: "10 webhooks × 10,000 entities × 3 updates keyed by entity, once ordered by entity and once unordered; the ordered run must keep every key's order",
		webhooks: 10, entities: 10000, updates: 3, orderings: []string{"entity", "none"}, run: ordered},
	"hot": {help: "10,000 updates of one entity to one webhook ordered by entity; the order must hold", webhooks: 1, entities: 1, updates: 10000,
		ordering: "entity", run: keyed},
	"isolation": {help: "10 healthy webhooks beside one endpoint that answers after --slow-answer and one that refuses connections, and without them; the slow one takes --slow-events of the events and must get every one",
		webhooks: 10, events: 10000, run: isolation},
	"ceiling": {help: "the machine's raw HTTP ceiling alone, no stack: Go's net/http client posting --event-size bodies signed as hookstream signs them to the bench receiver on loopback, --ceiling-concurrency at a time for --ceiling-duration; the client runs as a process of its own and reports its CPU per 1,000 requests",
		noStack: true, run: ceilingAlone},
}

// single is one run of the scenario's load.
func single(ctx context.Context, f *flags) (*result, error) {
	res := newResult(f, f.scenario, f.ordering)
	return res, runOnce(ctx, f, plan{ordering: f.ordering, filter: filterOf(f.scenario), ceiling: f.withCeiling}, res)
}

// benchFilter is the expression of every webhook of the filters scenario:
// it reads the entity, its tags and the change description as a selective
// filter does, and, since the benchmark counts every (event, webhook) pair,
// takes every event the load produces (metadata events of any type).
const benchFilter = `event.entity.id != "" && !("Bench.Excluded" in event.entity.tags) && (event.eventType != "entityUpdated" || size(event.changeDescription.fieldsUpdated) >= 0)`

func filterOf(scenario string) string {
	if scenario == "filters" {
		return benchFilter
	}
	return ""
}

// dead measures the healthy webhooks alone, then beside a dead endpoint.
func dead(ctx context.Context, f *flags) (*result, error) {
	return withBaseline(ctx, f, plan{ordering: f.ordering}, plan{ordering: f.ordering, dead: 1})
}

// withBaseline runs base and then p, each on a stack of its own: in one
// embedded process the second run would carry the first one's records in
// the broker's memory, and the garbage collector's extra work on them
// would be charged to what p adds.
func withBaseline(ctx context.Context, f *flags, base, p plan) (*result, error) {
	res := newResult(f, f.scenario, p.ordering)
	b := newResult(f, f.scenario+"-baseline", base.ordering)
	if err := runOnce(ctx, f, base, b); err != nil {
		return res, fmt.Errorf("baseline: %w", err)
	}
	res.Baseline = b
	err := runOnce(ctx, f, p, res)
	if b.DeliveriesPerSecond > 0 {
		res.HealthyShare = res.DeliveriesPerSecond / b.DeliveriesPerSecond
	}
	return res, err
}

// burst is the steady load on the default tiers, where a task moved to the
// first tier arrives a minute late: no healthy endpoint may have one.
func burst(ctx context.Context, f *flags) (*result, error) {
	res, err := single(ctx, f)
	return res, errors.Join(err, res.movedErr())
}

// keyed is one run of a keyed load: every entity's updates, mixed.
func keyed(ctx context.Context, f *flags) (*result, error) {
	p := plan{ordering: f.ordering, keys: load.Interleave(f.entities, f.updates, interleaveWindow, f.seed)}
	res := newResult(f, f.scenario, f.ordering)
	err := runOnce(ctx, f, p, res)
	return res, errors.Join(err, res.orderErr())
}

// ordered runs one keyed load four times, each on a stack of its own (as
// withBaseline): unordered, ordered by entity twice, unordered again, and
// compares the ordered runs' throughput with the unordered ones'. In that
// order a drift of the machine's speed over the minutes of the runs (a
// shared machine drifts by tens of percent) weighs on both sides alike;
// one run of each gave shares from 77% to 104% in one hour.
func ordered(ctx context.Context, f *flags) (*result, error) {
	keys := load.Interleave(f.entities, f.updates, interleaveWindow, f.seed)
	var res, un *result
	var orderedSum, unorderedSum float64
	var runs []float64
	for _, ordering := range []string{"none", "entity", "entity", "none"} {
		name := f.scenario
		if ordering == "none" {
			name += "-unordered"
		}
		r := newResult(f, name, ordering)
		if err := runOnce(ctx, f, plan{ordering: ordering, keys: keys}, r); err != nil {
			return r, fmt.Errorf("%s run: %w", name, err)
		}
		runs = append(runs, r.DeliveriesPerSecond)
		if ordering == "none" {
			unorderedSum += r.DeliveriesPerSecond
			if un == nil || r.Lost > un.Lost {
				un = r // the one that lost most, if any did
			}
			continue
		}
		orderedSum += r.DeliveriesPerSecond
		if res != nil {
			// Both ordered runs' order is checked.
			r.OrderViolations += res.OrderViolations
			r.KeyOverlaps += res.KeyOverlaps
			r.OrderSamples = append(res.OrderSamples, r.OrderSamples...)
			r.Lost += res.Lost
		}
		res = r
	}
	res.Unordered, res.ShareRuns = un, runs
	if unorderedSum > 0 {
		res.OrderedShare = orderedSum / unorderedSum
	}
	return res, res.orderErr()
}

// isolation measures the healthy webhooks alone, then beside a slow and a
// refusing endpoint, on the same events. The slow one's webhook takes only
// f.slowEvents of them: at its pace every event would keep the run going
// for an hour, and the question is whether it gets all it was sent, not how
// many it can take.
func isolation(ctx context.Context, f *flags) (*result, error) {
	shape, slow := load.EverySlow(f.events, f.slowEvents)
	base := plan{ordering: f.ordering, shape: shape}
	p := plan{ordering: f.ordering, shape: shape, slow: slow, refused: 1}
	res, err := withBaseline(ctx, f, base, p)
	if err == nil && res.SlowDelivered < res.SlowExpected {
		err = fmt.Errorf("the slow endpoint got %d of its %d deliveries", res.SlowDelivered, res.SlowExpected)
	}
	return res, err
}

func newResult(f *flags, scenario, ordering string) *result {
	if ordering == "" {
		ordering = "entity" // the API's default
	}
	return &result{Scenario: scenario, Kafka: f.kafka, Webhooks: f.webhooks, Events: f.events,
		RetryTiers: tiersText(f.tiers), ChangedDefaults: f.changed, Ordering: ordering}
}

// movedErr is the error of a run that moved tasks of healthy endpoints to a
// retry tier.
func (r *result) movedErr() error {
	moved := float64(r.MovedToTier)
	if r.DeferredMetric != nil {
		moved = max(moved, *r.DeferredMetric)
	}
	if moved > 0 {
		return fmt.Errorf("%.0f tasks of healthy endpoints moved to a retry tier (want 0)", moved)
	}
	return nil
}

// orderErr is the error of an ordered run whose receiver saw a key's events
// out of order or two of them in flight at once.
func (r *result) orderErr() error {
	if r.Ordering == "none" || r.OrderViolations+r.KeyOverlaps == 0 {
		return nil
	}
	return fmt.Errorf("ordering %s: %d events after a later one of their key, %d requests while another of their key was in flight (want 0)",
		r.Ordering, r.OrderViolations, r.KeyOverlaps)
}
