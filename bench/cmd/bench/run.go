package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hookstream/hookstream/bench/harness"
	"github.com/hookstream/hookstream/bench/load"
	"github.com/hookstream/hookstream/bench/proc"
	"github.com/hookstream/hookstream/bench/receiver"
	"github.com/hookstream/hookstream/bench/stack"
)

// plan is one measured run: the webhooks beside f.webhooks healthy ones,
// and how the load's events are shaped.
type plan struct {
	// ordering and filter are the healthy webhooks'; ordering also the
	// slow and refusing ones'.
	ordering, filter string
	// dead, refused: webhooks whose endpoint never answers, or refuses
	// connections. slow > 0 adds one webhook whose endpoint answers after
	// f.slowAnswer and takes the slow events of shape, of which there are
	// slow.
	dead, refused, slow int
	// keys, when set, are the events' keys, one per event; shape, when
	// set, adjusts the events instead.
	keys  []string
	shape load.Shape
	// ceiling measures the raw HTTP ceiling after the warm-up, before the
	// first event.
	ceiling bool
}

// runOnce starts a stack, creates the webhooks of p, measures one run into
// res, and stops the stack.
func runOnce(ctx context.Context, f *flags, p plan, res *result) error {
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
	h, err := harness.New(ctx, s, harness.Config{ErrorRate: f.errorRate, MaxFailures: len(f.tiers) / 2, SlowAnswer: f.slowAnswer, EventSize: f.size})
	if err != nil {
		return err
	}
	defer h.Close()
	// The others first: the subscriptions topic has one partition, read in
	// order, so the warm-up's deliveries to the healthy webhooks, created
	// last, prove that router and deliverer know every webhook.
	spec := load.Spec{Ordering: p.ordering}
	if p.dead > 0 {
		if _, err := h.AddWebhooks(ctx, p.dead, receiver.Dead, spec); err != nil {
			return err
		}
	}
	if p.refused > 0 {
		if _, err := h.AddRefused(ctx, p.refused, spec); err != nil {
			return err
		}
	}
	if p.slow > 0 {
		if _, err := h.AddWebhooks(ctx, 1, receiver.Slow, load.Spec{Ordering: p.ordering, Filter: load.SlowFilter}); err != nil {
			return err
		}
	}
	behaviour := receiver.OK
	if f.errorRate > 0 {
		behaviour = receiver.Flaky
	}
	if _, err := h.AddWebhooks(ctx, f.webhooks, behaviour, load.Spec{Ordering: p.ordering, Filter: p.filter}); err != nil {
		return err
	}
	if err := h.WarmUp(ctx, 2*time.Minute); err != nil {
		return err
	}
	if p.ceiling {
		if err := measureCeiling(ctx, f, h.Stack.Processes(), res); err != nil {
			return err
		}
	}
	return measure(ctx, f, h, p, res)
}

// measure produces f.events events and waits for their deliveries to every
// expected webhook, filling res.
func measure(ctx context.Context, f *flags, h *harness.Harness, p plan, res *result) error {
	procs := h.Stack.Processes()
	cpuBefore := make([]time.Duration, len(procs))
	for i, pr := range procs {
		pr.Sample()
		cpuBefore[i], _ = pr.Usage()
	}
	movedBefore, err := h.TierRecords(ctx, f.tiers)
	if err != nil {
		return err
	}
	deferredBefore, _, err := h.Deferred(ctx)
	if err != nil {
		return err
	}
	sctx, stopSampling := context.WithCancel(ctx)
	defer stopSampling()
	go proc.SampleEvery(sctx, 250*time.Millisecond, procs...)

	if f.profile != "" {
		// The profiles may outlast the deliveries; the run waits for them.
		profiled := profile(ctx, h.Stack, f.profile, f.profileFor)
		defer profiled.Wait()
	}
	shape := p.shape
	if p.keys != nil {
		shape = load.Keyed(p.keys)
	}
	healthy := f.events * len(h.Webhooks)
	res.Expected = healthy
	if p.slow > 0 {
		res.SlowExpected = p.slow
	}
	start := time.Now()
	if err := h.Events.Produce(ctx, f.events, f.rate, shape); err != nil {
		return err
	}
	produced := time.Since(start)
	res.EventsPerSecond = float64(f.events) / produced.Seconds()
	waitErr := h.WaitDelivered(ctx, healthy+res.SlowExpected, f.timeout, f.quiet)

	c := h.Receiver.CountsOf(h.Behaviour)
	res.Deliveries, res.Duplicates, res.Answered500 = c.Delivered, c.Duplicates, c.Failed
	res.Lost = max(healthy-c.Delivered, 0)
	if !c.Last.IsZero() {
		elapsed := c.Last.Sub(start)
		res.Seconds = elapsed.Seconds()
		res.DeliveriesPerSecond = float64(c.Delivered) / elapsed.Seconds()
	}
	res.setCeilingRatio()
	res.OrderViolations, res.KeyOverlaps, res.OrderSamples = c.OrderViolations, c.Overlaps, c.Samples
	if p.slow > 0 {
		sc := h.Receiver.CountsOf(receiver.Slow)
		res.SlowDelivered = sc.Delivered
		if !sc.Last.IsZero() {
			res.SlowSeconds = sc.Last.Sub(start).Seconds()
		}
	}
	lat := h.Receiver.Latencies(h.Behaviour)
	res.P50Ms, res.P95Ms, res.P99Ms = harness.Percentile(lat, 50), harness.Percentile(lat, 95), harness.Percentile(lat, 99)
	var cpu time.Duration
	res.PeakRSSMbByProcess = map[string]float64{}
	res.CPUSecondsPer1kByProcess = map[string]float64{}
	for i, pr := range procs {
		pr.Sample()
		after, rss := pr.Usage()
		used := after - cpuBefore[i]
		cpu += used
		mb := float64(rss) / (1 << 20)
		res.PeakRSSMbByProcess[pr.Name] = mb
		res.PeakRSSMb = max(res.PeakRSSMb, mb)
		if c.Delivered > 0 {
			res.CPUSecondsPer1kByProcess[pr.Name] = used.Seconds() / float64(c.Delivered) * 1000
		}
	}
	if c.Delivered > 0 {
		res.CPUSecondsPer1k = cpu.Seconds() / float64(c.Delivered) * 1000
	}
	res.Keys = keys(p.keys, f.events)
	movedAfter, err := h.TierRecords(ctx, f.tiers)
	if err != nil {
		return err
	}
	res.MovedToTier = movedAfter - movedBefore
	if deferredAfter, found, err := h.Deferred(ctx); err != nil {
		return err
	} else if found {
		d := deferredAfter - deferredBefore
		res.DeferredMetric = &d
	}
	if res.Lost > 0 {
		if err := h.Diagnose(ctx, os.Stderr, h.Missing(10), f.tiers); err != nil {
			fmt.Fprintln(os.Stderr, "bench: diagnose:", err)
		}
	}
	h.Receiver.Reset()
	return waitErr
}

// keys counts the distinct keys of a keyed load; 0 for the synthetic
// generator's, whose entities come and go.
func keys(ks []string, events int) int {
	if ks == nil {
		return 0
	}
	seen := map[string]bool{}
	for _, k := range ks[:min(events, len(ks))] {
		seen[k] = true
	}
	return len(seen)
}

// profile saves a CPU profile of every process of s, taken for d, into dir.
func profile(ctx context.Context, s *stack.Stack, dir string, d time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bench: profile:", err)
		return &wg
	}
	for p, addr := range s.Metrics {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(int(d.Seconds()), 1)), nil)
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
		})
	}
	return &wg
}
