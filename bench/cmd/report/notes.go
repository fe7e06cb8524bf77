package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// moved is what a run moved to a retry tier: the growth of the tiers' end
// offsets, or of the deferred metric where that says more.
func moved(r map[string]any) float64 {
	m := num(r, "movedToTier")
	if d, ok := r["deferredMetric"].(float64); ok {
		m = max(m, d)
	}
	return m
}

// inOrder says whether the receiver saw every key in order, one request at
// a time.
func inOrder(r map[string]any) bool {
	return num(r, "orderViolations") == 0 && num(r, "keyOverlaps") == 0
}

func healthyNote(r map[string]any) string {
	return fmt.Sprintf("healthy keep %.0f%%", 100*num(r, "healthyShare"))
}

func burstNote(r map[string]any) string {
	return fmt.Sprintf("last receipt %.1f s after the first produce; %.0f moved to a retry tier", num(r, "seconds"), moved(r))
}

func orderedNote(r map[string]any) string {
	var runs []string
	if rs, ok := r["shareRuns"].([]any); ok {
		for _, v := range rs {
			f, _ := v.(float64)
			runs = append(runs, fmt.Sprintf("%.0f", f))
		}
	}
	return fmt.Sprintf("ordered %.0f%% of unordered over four runs, unordered, ordered, ordered, unordered: %s deliveries/s; %.0f order violations, %.0f overlapping requests of one key; %.0f moved to a retry tier",
		100*num(r, "orderedShare"), strings.Join(runs, ", "), num(r, "orderViolations"), num(r, "keyOverlaps"), moved(r))
}

func hotNote(r map[string]any) string {
	return fmt.Sprintf("%.1f s; %.0f order violations, %.0f overlapping requests; %.0f moved to a retry tier",
		num(r, "seconds"), num(r, "orderViolations"), num(r, "keyOverlaps"), moved(r))
}

func isolationNote(r map[string]any) string {
	return fmt.Sprintf("healthy keep %.0f%%; the slow endpoint got %.0f of %.0f, the last %.1f s after the first produce",
		100*num(r, "healthyShare"), num(r, "slowDelivered"), num(r, "slowExpected"), num(r, "slowSeconds"))
}

// ceilingNote puts a row's receipts beside the raw HTTP ceiling its run
// measured; "" when it measured none.
func ceilingNote(r map[string]any) string {
	if num(r, "ceilingRequestsPerSecond") == 0 {
		return ""
	}
	n := fmt.Sprintf("%.2f of the raw HTTP ceiling, %.0f requests/s measured in the same run before producing",
		num(r, "ceilingRatio"), num(r, "ceilingRequestsPerSecond"))
	if bare := num(r, "ceilingClientCpuSecondsPer1k"); bare > 0 && num(r, "cpuSecondsPer1k") > 0 {
		n += fmt.Sprintf("; CPU per delivery %.1f times the ceiling's bare client's per request, %.3f s per 1,000", num(r, "cpuSecondsPer1k")/bare, bare)
	}
	return n
}

func ceilingRowNote(r map[string]any) string {
	c, _ := r["ceiling"].(map[string]any)
	return fmt.Sprintf("%.0f requests/s: %.0f keep-alive connections, %.0f-byte POSTs signed %v, %.0f requests in %.1f s; the client, a process of its own, used %.3f CPU s per 1,000 requests",
		num(r, "ceilingRequestsPerSecond"), num(c, "concurrency"), num(c, "bodyBytes"), c["scheme"], num(c, "requests"), num(c, "seconds"), num(r, "ceilingClientCpuSecondsPer1k"))
}

// notes says which rows ran with which retry tiers and what the rows that
// need it count, from the runs' own JSON lines.
func notes(b *bytes.Buffer, rs []run, results map[string]map[string]any) {
	byTiers := map[string][]string{}
	for i, r := range rs {
		res := results[r.title]
		tiers, ok := res["retryTiers"].(string)
		if !ok || tiers == "" {
			continue // chaos, the ceiling, or a run that failed before its line
		}
		var changed []string
		if list, ok := res["changedDefaults"].([]any); ok {
			for _, c := range list {
				changed = append(changed, fmt.Sprint(c))
			}
		}
		what := fmt.Sprintf("retry tiers %s, no default changed", tiers)
		if len(changed) > 0 {
			what = strings.Join(changed, "; ")
		}
		byTiers[what] = append(byTiers[what], fmt.Sprint(i+1))
	}
	var lines []string
	for what, rows := range byTiers {
		lines = append(lines, fmt.Sprintf("- rows %s: %s", strings.Join(rows, ", "), what))
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		fmt.Fprintf(b, "\nWhat each benchmark row changed of the product's defaults (`changedDefaults` in its raw line):\n\n%s\n", strings.Join(lines, "\n"))
	}
	slow := "`--slow-events` of the events"
	for _, r := range rs {
		if res := results[r.title]; res != nil && num(res, "slowExpected") > 0 {
			slow = fmt.Sprintf("%.0f of the %.0f events", num(res, "slowExpected"), num(res, "events"))
		}
	}
	fmt.Fprintf(b, "\nIn the burst row, moved to a retry tier is the growth of the retry tier topics' end offsets during the run\n"+
		"(or of `hookstream_deliveries_total{outcome=\"deferred\"}`, where exported, if that is larger): every endpoint is\n"+
		"healthy, so each one is a task that waited a tier's delay for nothing. In the ordered and hot rows the receiver\n"+
		"checks every request against the order the events were produced in, per webhook and key: an event after a later\n"+
		"one of its key is a violation, a repeat of the last one is not, and a request that arrives while another of its\n"+
		"key is being answered is an overlap. The ordered row runs the load four times, unordered, ordered, ordered,\n"+
		"unordered, so that the machine's drift weighs on both sides alike; its share is the ordered runs' over the\n"+
		"unordered runs', its deliveries/s and latency are the second ordered run's, and the order checks count both\n"+
		"ordered runs. In the isolation row they are the healthy webhooks' beside the\n"+
		"slow and the refusing endpoint (the baseline without them is in the raw line); the slow endpoint's webhook takes\n"+
		"%s (`--slow-events`): at 5 s a request they take that many × 5 s ÷ the deliverer's\n"+
		"per-endpoint in-flight bound, which the run waits for up to its `--timeout`; the row gives the time they took.\n", slow)
}
