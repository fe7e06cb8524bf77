package lowwater

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func TestOutOfOrderCommitsOnlyTheLowWaterMark(t *testing.T) {
	var p Partition
	for o := int64(10); o < 15; o++ {
		p.Add(o)
	}
	steps := []struct {
		done int64
		want int64
	}{
		{12, -1}, // 10 and 11 still running
		{11, -1},
		{10, 13}, // 10, 11, 12 done: commit 13
		{14, -1},
		{13, 15},
		{13, -1}, // finished twice: nothing moves
	}
	for _, s := range steps {
		if got := p.Done(s.done); got != s.want {
			t.Fatalf("Done(%d) = %d, want %d", s.done, got, s.want)
		}
	}
	if p.Unfinished() != 0 {
		t.Fatalf("unfinished %d", p.Unfinished())
	}
}

func TestGapsCountAsFinished(t *testing.T) {
	var p Partition
	p.Add(5)
	p.Add(9) // 6, 7, 8 were transaction markers or compacted away
	if got := p.Done(5); got != 9 {
		t.Fatalf("Done(5) = %d, want 9", got)
	}
	p.Add(9) // a refetch adds nothing twice
	if got := p.Done(9); got != 10 {
		t.Fatalf("Done(9) = %d, want 10", got)
	}
}

func TestConcurrentFinishReachesTheEnd(t *testing.T) {
	var p Partition
	const n = 2000
	for o := int64(0); o < n; o++ {
		p.Add(o)
	}
	order := rand.Perm(n)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		highest int64 = -1
	)
	for _, o := range order {
		wg.Add(1)
		go func(o int64) {
			defer wg.Done()
			if c := p.Done(o); c >= 0 {
				mu.Lock()
				highest = max(highest, c)
				mu.Unlock()
			}
		}(int64(o))
	}
	wg.Wait()
	if highest != n {
		t.Fatalf("committed up to %d, want %d", highest, n)
	}
}

func TestRunsAndExtend(t *testing.T) {
	var p Partition
	if base, runs := p.Runs(nil, 1<<20); base != -1 || runs != nil {
		t.Fatalf("before tracking: %d %v", base, runs)
	}
	p.StartAt(10)
	for _, o := range []int64{10, 11, 12, 13, 15} {
		p.Add(o)
	}
	p.Done(12)
	p.Done(13)
	// 14 is a gap (finished); 15 is pending and ends no finished run.
	if base, runs := p.Runs(nil, 1<<20); base != 10 || fmt.Sprint(runs) != "[2 3]" {
		t.Fatalf("runs: %d %v, want 10 [2 3]", base, runs)
	}
	// 16 to 19 were never added: Extend counts them finished.
	if mark := p.Extend(20); mark != 10 {
		t.Fatalf("Extend moved the mark to %d with 10 pending", mark)
	}
	if base, runs := p.Runs(nil, 1<<20); base != 10 || fmt.Sprint(runs) != "[2 3 1 4]" {
		t.Fatalf("runs after Extend: %d %v, want 10 [2 3 1 4]", base, runs)
	}
	p.Done(10)
	if mark := p.Done(11); mark != 15 {
		t.Fatalf("mark %d, want 15", mark)
	}
	if mark := p.Done(15); mark != 20 {
		t.Fatalf("mark %d, want 20 (Extend's end)", mark)
	}
}

// TestRunsMatchesStates checks Runs against the states of the offsets one
// by one, over random adds (with gaps) and finishes.
func TestRunsMatchesStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var p Partition
		next := int64(rng.IntN(5))
		var added []int64
		for range rng.IntN(300) {
			next += 1 + int64(rng.IntN(3)*rng.IntN(2))
			p.Add(next)
			added = append(added, next)
		}
		for _, o := range added {
			if rng.IntN(3) > 0 {
				p.Done(o)
			}
		}
		base, runs := p.Runs(nil, 1<<20)
		var want []int64
		if len(added) > 0 {
			done, n, lastDone := false, int64(0), int64(-1)
			for o := base; o <= next; o++ {
				if _, d := p.State(o); d {
					lastDone = o
				}
			}
			for o := base; o <= lastDone; o++ {
				if _, d := p.State(o); d != done {
					want, done, n = append(want, n), d, 0
				}
				n++
			}
			if lastDone >= 0 {
				want = append(want, n)
			}
		}
		if !slices.Equal(runs, want) {
			t.Fatalf("round %d: runs %v, want %v (base %d)", round, runs, want, base)
		}
		// A limit keeps the first whole pairs.
		limit := rng.IntN(len(want) + 3)
		if _, some := p.Runs(nil, limit); !slices.Equal(some, want[:min(len(want), limit&^1)]) {
			t.Fatalf("round %d: Runs(%d) = %v, want the first pairs of %v", round, limit, some, want)
		}
		// Runs appends: what dst holds stays, and the limit counts only
		// what is added.
		dst := []int64{-7, -8, -9}
		if _, got := p.Runs(dst[:2:2], limit); !slices.Equal(got, append([]int64{-7, -8}, want[:min(len(want), limit&^1)]...)) {
			t.Fatalf("round %d: Runs(dst, %d) = %v, want [-7 -8] then the first pairs of %v", round, limit, got, want)
		}
	}
}
