package main

import (
	"fmt"
	"io"
	"strings"
)

func printHuman(w io.Writer, r *result) {
	if scenarios[r.Scenario].noStack {
		fmt.Fprintf(w, "scenario %s\n", r.Scenario)
		printCeiling(w, r)
		printError(w, r)
		return
	}
	if r.Baseline != nil {
		without := "the dead endpoint"
		if r.SlowExpected > 0 {
			without = "the slow and the refusing endpoint"
		}
		fmt.Fprintf(w, "baseline, without %s:\n", without)
		printHuman(w, r.Baseline)
		fmt.Fprintf(w, "with %s the healthy ones keep %.0f%% of their throughput\n", without, 100*r.HealthyShare)
	}
	if r.Unordered != nil {
		fmt.Fprintln(w, "the same load unordered:")
		printHuman(w, r.Unordered)
		fmt.Fprintf(w, "ordered by entity the webhooks get %.0f%% of the unordered throughput (deliveries/s of the runs unordered, ordered, ordered, unordered: %.0f)\n", 100*r.OrderedShare, r.ShareRuns)
	}
	fmt.Fprintf(w, "scenario %s, kafka %s, %d webhooks ordered by %s, %d events", r.Scenario, r.Kafka, r.Webhooks, r.Ordering, r.Events)
	if r.Keys > 0 {
		fmt.Fprintf(w, " of %d keys", r.Keys)
	}
	fmt.Fprintf(w, "\n  retry tiers   %s\n", r.RetryTiers)
	if len(r.ChangedDefaults) == 0 {
		fmt.Fprintln(w, "  defaults      none changed")
	}
	for _, c := range r.ChangedDefaults {
		fmt.Fprintf(w, "  changed       %s\n", c)
	}
	if r.Ceiling != nil {
		printCeiling(w, r)
	}
	fmt.Fprintf(w, "  produced      %10.0f events/s\n", r.EventsPerSecond)
	fmt.Fprintf(w, "  delivered     %10.0f deliveries/s (%d of %d, the last %.1fs after the first produce)\n", r.DeliveriesPerSecond, r.Deliveries, r.Expected, r.Seconds)
	fmt.Fprintf(w, "  latency       p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (produce to receipt)\n", r.P50Ms, r.P95Ms, r.P99Ms)
	fmt.Fprintf(w, "  cpu           %.3f s per 1,000 deliveries", r.CPUSecondsPer1k)
	if r.CeilingClientCPUSecondsPer1k > 0 {
		fmt.Fprintf(w, ", %.1f times the ceiling's bare client per request", r.CPUSecondsPer1k/r.CeilingClientCPUSecondsPer1k)
	}
	fmt.Fprintln(w)
	for name, mb := range r.PeakRSSMbByProcess {
		fmt.Fprintf(w, "  peak rss      %s %.0f MB\n", name, mb)
	}
	fmt.Fprintf(w, "  duplicates %d, lost %d, answered 500 %d\n", r.Duplicates, r.Lost, r.Answered500)
	deferred := "not exported"
	if r.DeferredMetric != nil {
		deferred = fmt.Sprintf("%.0f", *r.DeferredMetric)
	}
	fmt.Fprintf(w, "  moved to tier %d records written to the retry tiers (hookstream_deliveries_total{outcome=\"deferred\"}: %s)\n", r.MovedToTier, deferred)
	fmt.Fprintf(w, "  order         %d events after a later one of their key, %d requests beside another of their key in flight\n", r.OrderViolations, r.KeyOverlaps)
	for _, s := range r.OrderSamples {
		fmt.Fprintf(w, "                e.g. %s\n", s)
	}
	if r.SlowExpected > 0 {
		fmt.Fprintf(w, "  slow endpoint %d of %d deliveries, the last %.1fs after the first produce\n", r.SlowDelivered, r.SlowExpected, r.SlowSeconds)
	}
	printError(w, r)
}

func printError(w io.Writer, r *result) {
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", strings.ReplaceAll(r.Error, "\n", "; "))
	}
}
