package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// byScenario finds the embedded row run with --scenario name.
func byScenario(t *testing.T, name string) run {
	t.Helper()
	for _, r := range runs(false) {
		if i := slices.Index(r.args, "--scenario"); i >= 0 && r.args[i+1] == name {
			return r
		}
	}
	t.Fatalf("no row runs --scenario %s", name)
	return run{}
}

func decode(t *testing.T, line string) map[string]any {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIssue15RowsJudgeTheirTargets(t *testing.T) {
	for _, c := range []struct {
		scenario, line string
		met            bool
	}{
		{"burst", `{"lost":0,"movedToTier":0}`, true},
		{"burst", `{"lost":0,"movedToTier":0,"deferredMetric":0}`, true},
		{"burst", `{"lost":0,"movedToTier":4188,"deferredMetric":4188}`, false},
		{"burst", `{"lost":0,"movedToTier":0,"deferredMetric":3}`, false},
		{"burst", `{"lost":1,"movedToTier":0}`, false},
		{"ordered", `{"lost":0,"orderedShare":0.93,"orderViolations":0,"keyOverlaps":0,"unordered":{"lost":0}}`, true},
		{"ordered", `{"lost":0,"orderedShare":0.85,"orderViolations":0,"keyOverlaps":0,"unordered":{"lost":0}}`, false},
		{"ordered", `{"lost":0,"orderedShare":1.1,"orderViolations":2,"keyOverlaps":0,"unordered":{"lost":0}}`, false},
		{"ordered", `{"lost":0,"orderedShare":1.1,"orderViolations":0,"keyOverlaps":1,"unordered":{"lost":0}}`, false},
		{"ordered", `{"lost":0,"orderedShare":1.1,"orderViolations":0,"keyOverlaps":0}`, false},
		{"hot", `{"lost":0,"orderViolations":0,"keyOverlaps":0}`, true},
		{"hot", `{"lost":0,"orderViolations":390,"keyOverlaps":1}`, false},
		{"isolation", `{"lost":0,"healthyShare":0.95,"slowExpected":160,"slowDelivered":160}`, true},
		{"isolation", `{"lost":0,"healthyShare":0.95,"slowExpected":160,"slowDelivered":159}`, false},
		{"isolation", `{"lost":0,"healthyShare":0.87,"slowExpected":160,"slowDelivered":160}`, false},
		{"isolation", `{"lost":0,"healthyShare":0.95}`, false},
	} {
		r := byScenario(t, c.scenario)
		if got := r.check(decode(t, c.line)); got != c.met {
			t.Errorf("%s %s: met %v, want %v", c.scenario, c.line, got, c.met)
		}
	}
}

func TestRowsShowTheirNotes(t *testing.T) {
	var b bytes.Buffer
	row(&b, 13, byScenario(t, "ordered"), decode(t, `{"deliveriesPerSecond":9000,"orderedShare":0.9,"shareRuns":[10500,9000,9000,9500],"orderViolations":0,"keyOverlaps":0,"movedToTier":0,"unordered":{"deliveriesPerSecond":10000}}`), "yes")
	row(&b, 15, byScenario(t, "isolation"), decode(t, `{"healthyShare":0.91,"slowExpected":160,"slowDelivered":160,"slowSeconds":52.5}`), "yes")
	row(&b, 6, byScenario(t, "dead"), decode(t, `{"healthyShare":0.95}`), "yes")
	row(&b, 1, runs(false)[0], decode(t, `{"scenario":"steady","deliveriesPerSecond":16000,"cpuSecondsPer1k":0.075,"ceilingRequestsPerSecond":40000,"ceilingRatio":0.4,"ceilingClientCpuSecondsPer1k":0.03}`), "yes")
	row(&b, 8, byScenario(t, "burst"), decode(t, `{"scenario":"burst","seconds":6.2,"movedToTier":0,"ceilingRequestsPerSecond":45000,"ceilingRatio":0.386}`), "yes")
	row(&b, 17, byScenario(t, "ceiling"), decode(t, `{"scenario":"ceiling","ceilingRequestsPerSecond":41000,"ceilingClientCpuSecondsPer1k":0.031,"ceiling":{"requests":123000,"seconds":3.0,"concurrency":64,"bodyBytes":1024,"scheme":"standard"}}`), "yes")
	for _, want := range []string{
		"1 KiB) (0.40 of the raw HTTP ceiling, 40000 requests/s measured in the same run before producing; CPU per delivery 2.5 times the ceiling's bare client's per request, 0.030 s per 1,000) |",
		"(last receipt 6.2 s after the first produce; 0 moved to a retry tier; 0.39 of the raw HTTP ceiling, 45000 requests/s measured in the same run before producing)",
		"on loopback (41000 requests/s: 64 keep-alive connections, 1024-byte POSTs signed standard, 123000 requests in 3.0 s; the client, a process of its own, used 0.031 CPU s per 1,000 requests) | reported | yes | | |",
		"ordered 90% of unordered over four runs, unordered, ordered, ordered, unordered: 10500, 9000, 9000, 9500 deliveries/s; 0 order violations",
		"healthy keep 91%; the slow endpoint got 160 of 160, the last 52.5 s after the first produce",
		"One dead endpoint beside 10 healthy ones (healthy keep 95%)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rows lack %q:\n%s", want, b.String())
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if cells := strings.Count(l, "|"); cells != 12 {
			t.Errorf("row of %d cells, want 11: %s", cells-1, l)
		}
	}
	for _, l := range strings.Split(b.String(), "\n")[:3] {
		if strings.Contains(l, "raw HTTP ceiling") {
			t.Errorf("a row whose run measured no ceiling shows one: %s", l)
		}
	}
	ceiling := byScenario(t, "ceiling")
	if !ceiling.check(decode(t, `{"ceilingRequestsPerSecond":41000}`)) || ceiling.check(decode(t, `{"error":"ceiling: post: answered 500"}`)) {
		t.Error("the ceiling row does not tell a measured ceiling from a failed one")
	}
}

func TestNotesNameEachRowsTiers(t *testing.T) {
	rs := runs(false)
	results := map[string]map[string]any{}
	for _, r := range rs {
		results[r.title] = map[string]any{"retryTiers": "1m,5m,15m,1h,4h,12h"}
	}
	results[rs[0].title] = decode(t, `{"retryTiers":"100ms,3s","changedDefaults":["retry tiers 100ms,3s instead of 1m,5m,15m,1h,4h,12h: short"]}`)
	iso := byScenario(t, "isolation")
	results[iso.title] = decode(t, `{"retryTiers":"1m,5m,15m,1h,4h,12h","slowExpected":160,"events":10000}`)
	results[byScenario(t, "ceiling").title] = decode(t, `{"scenario":"ceiling","retryTiers":""}`)
	var b bytes.Buffer
	notes(&b, rs, results)
	for _, want := range []string{
		"- rows 1: retry tiers 100ms,3s instead of 1m,5m,15m,1h,4h,12h: short",
		"retry tiers 1m,5m,15m,1h,4h,12h, no default changed",
		"160 of the 10000 events (`--slow-events`)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("notes lack %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "retry tiers ,") {
		t.Errorf("notes name the tiers of the ceiling, which runs no stack:\n%s", b.String())
	}
}
