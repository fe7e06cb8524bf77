// Package lowwater tracks, per partition, which fetched records are finished
// so the deliverer commits only up to the lowest unfinished one. Records of one
// partition finish out of order (a slow endpoint must not hold back the fast
// ones beside it), but a committed offset promises that everything before it
// is done: committing past an unfinished record would lose it on a crash.
package lowwater

import (
	"bytes"
	"sync"
)

// Partition is the tracker of one partition. It is safe for concurrent use:
// the poll loop adds, delivery goroutines finish.
type Partition struct {
	mu   sync.Mutex
	base int64 // offset of pending[0]
	// pending holds a flag per offset base, base+1, ...: finished or
	// unfinished. Bytes, not bools, so the walks over it (Runs, on every
	// commit of a partition with thousands in flight) find the next flag
	// of a kind with bytes.IndexByte instead of looking at each.
	pending []byte
	started bool
}

// The flags of pending.
const (
	unfinished byte = 0
	finished   byte = 1
)

// Add registers a fetched offset. Offsets must be added in increasing order;
// gaps (compacted or transaction-marker offsets) count as finished.
func (p *Partition) Add(offset int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.base, p.started = offset, true
	}
	next := p.base + int64(len(p.pending))
	if offset < next {
		return // already tracked: a refetch after a pause
	}
	for ; next < offset; next++ {
		p.pending = append(p.pending, finished)
	}
	p.pending = append(p.pending, unfinished)
}

// Done marks offset finished and returns the offset to commit (the next one
// to consume, Kafka's convention) when the low-water mark moved, or -1.
func (p *Partition) Done(offset int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := offset - p.base
	if !p.started || i < 0 || i >= int64(len(p.pending)) {
		return -1
	}
	p.pending[i] = finished
	if i != 0 {
		return -1
	}
	return p.compact()
}

// StartAt makes offset the first one tracked, before any Add: the
// offsets below it are someone else's. It is a no-op once tracking began.
func (p *Partition) StartAt(offset int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.base, p.started = offset, true
	}
}

// Extend counts every offset below next that was not added as finished:
// the caller has accounted for them. Tracking must have begun.
func (p *Partition) Extend(next int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	for end := p.base + int64(len(p.pending)); end < next; end++ {
		p.pending = append(p.pending, finished)
	}
	return p.compact()
}

// compact drops the finished offsets at the front and returns the mark.
// Called with mu held.
func (p *Partition) compact() int64 {
	n := bytes.IndexByte(p.pending, unfinished)
	if n < 0 {
		n = len(p.pending)
	}
	p.pending = p.pending[n:]
	p.base += int64(n)
	return p.base
}

// Runs describes the finished records above the low-water mark: base is the
// mark (the lowest unfinished offset, or the next to track when none is) and
// runs alternate, from base, lengths of unfinished and finished offsets,
// ending with a finished run. Empty runs: nothing above the mark is finished.
// base is -1 before tracking began. At most limit runs are given (the
// first ones, in pairs): the commit metadata that carries them has room for
// no more, and a window of thousands in flight, finished in an interleaved
// order, has far more. The runs are appended to dst, so that a caller
// reading every partition a few times a second can reuse one buffer.
func (p *Partition) Runs(dst []int64, limit int) (base int64, runs []int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	runs = dst
	if !p.started {
		return -1, runs
	}
	w := p.pending[:bytes.LastIndexByte(p.pending, finished)+1]
	if len(w) == 0 {
		return p.base, runs
	}
	// Pairs: the length up to the next finished flag (there is one: w ends
	// with one), then up to the next unfinished one or the end.
	for len(w) > 0 && len(runs)-len(dst)+2 <= limit {
		u := bytes.IndexByte(w, finished)
		w = w[u:]
		f := bytes.IndexByte(w, unfinished)
		if f < 0 {
			f = len(w)
		}
		w = w[f:]
		runs = append(runs, int64(u), int64(f))
	}
	return p.base, runs
}

// Mark is the low-water mark, as Runs gives it.
func (p *Partition) Mark() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		return -1
	}
	return p.base
}

// State reports whether offset was tracked (added, or a gap below the
// highest added) and, if so, whether it is finished.
func (p *Partition) State(offset int64) (tracked, done bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch i := offset - p.base; {
	case !p.started:
		return false, false
	case i < 0:
		return true, true
	case i < int64(len(p.pending)):
		return true, p.pending[i] == finished
	}
	return false, false
}

// FirstUnfinished is the lowest tracked offset not finished, or -1.
func (p *Partition) FirstUnfinished() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := bytes.IndexByte(p.pending, unfinished); i >= 0 {
		return p.base + int64(i)
	}
	return -1
}

// Unfinished is the number of tracked records not yet done.
func (p *Partition) Unfinished() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending) - bytes.Count(p.pending, []byte{finished})
}
