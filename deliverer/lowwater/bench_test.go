package lowwater

import "testing"

// BenchmarkRuns is the commit path's read of a partition's window: a few
// thousand records in flight, finished mostly in order with a straggler
// every so often, as under a steady load.
func BenchmarkRuns(b *testing.B) {
	var p Partition
	const window = 4000
	for o := int64(0); o < window; o++ {
		p.Add(o)
	}
	for o := int64(1); o < window*3/4; o++ {
		if o%500 != 0 {
			p.Done(o)
		}
	}
	for b.Loop() {
		if base, runs := p.Runs(nil, 1<<20); base != 0 || len(runs) == 0 {
			b.Fatal(base, runs)
		}
	}
}
