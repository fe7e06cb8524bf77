package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/hookstream/hookstream/bench/ceiling"
	"github.com/hookstream/hookstream/bench/proc"
)

// ceilingInfo is how a run's raw HTTP ceiling was measured.
type ceilingInfo struct {
	ceiling.Result
	// StackCPUSeconds is the CPU hookstream's processes used while the
	// ceiling was measured: near zero if, as intended, they were idle and
	// did not compete with it. Absent when no stack ran.
	StackCPUSeconds *float64 `json:"stackCpuSeconds,omitempty"`
}

func (f *flags) ceilingConfig() ceiling.Config {
	return ceiling.Config{Concurrency: f.ceilingConc, Duration: f.ceilingFor, BodyBytes: f.size}
}

// ceilingScenarios names the scenarios that take the ceiling, for help.
func ceilingScenarios() []string {
	var names []string
	for n, sc := range scenarios {
		if sc.ceiling {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// measureCeiling measures the ceiling into res while procs, hookstream's
// processes, are idle: after the warm-up, before the first event.
func measureCeiling(ctx context.Context, f *flags, procs []*proc.Process, res *result) error {
	before := stackCPU(procs)
	c, err := ceiling.Measure(ctx, f.ceilingConfig())
	if err != nil {
		return err
	}
	used := (stackCPU(procs) - before).Seconds()
	res.setCeiling(&ceilingInfo{Result: c, StackCPUSeconds: &used})
	// The ceiling's receiver and requests are garbage now: collect them
	// before the load, not during it in the process that counts receipts.
	runtime.GC()
	return nil
}

// stackCPU is the CPU procs used so far, together.
func stackCPU(procs []*proc.Process) time.Duration {
	var sum time.Duration
	for _, p := range procs {
		p.Sample()
		cpu, _ := p.Usage()
		sum += cpu
	}
	return sum
}

// setCeilingRatio puts the run's receipts beside its ceiling, once both
// are known.
func (r *result) setCeilingRatio() {
	if r.CeilingRequestsPerSecond > 0 {
		r.CeilingRatio = r.DeliveriesPerSecond / r.CeilingRequestsPerSecond
	}
}

// ceilingAlone is --scenario ceiling: the ceiling and no stack.
func ceilingAlone(ctx context.Context, f *flags) (*result, error) {
	res := &result{Scenario: f.scenario}
	c, err := ceiling.Measure(ctx, f.ceilingConfig())
	res.setCeiling(&ceilingInfo{Result: c})
	return res, err
}

// setCeiling records a measured ceiling and the figures drawn from it.
func (r *result) setCeiling(c *ceilingInfo) {
	r.Ceiling = c
	r.CeilingRequestsPerSecond = c.RequestsPerSecond()
	r.CeilingClientCPUSecondsPer1k = c.ClientCPUSecondsPer1k()
}

// printCeiling writes the ceiling lines of a run that measured one.
func printCeiling(w io.Writer, r *result) {
	c := r.Ceiling
	fmt.Fprintf(w, "  ceiling       %10.0f requests/s, raw HTTP: Go net/http client to the bench receiver on 127.0.0.1, %d keep-alive connections, %d-byte POSTs signed %s, %d requests in %.1fs\n",
		r.CeilingRequestsPerSecond, c.Concurrency, c.BodyBytes, c.Scheme, c.Requests, c.Seconds)
	fmt.Fprintf(w, "                the client, a process of its own, used %.3f CPU s per 1,000 requests\n", r.CeilingClientCPUSecondsPer1k)
	if c.StackCPUSeconds != nil {
		fmt.Fprintf(w, "                measured before producing, while hookstream was idle (its processes used %.2f CPU s meanwhile)\n", *c.StackCPUSeconds)
		fmt.Fprintf(w, "  of ceiling    %.2f (deliveries/s over the ceiling's requests/s)\n", r.CeilingRatio)
	}
}
