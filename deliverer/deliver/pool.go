package deliver

import (
	"sync"
	"sync/atomic"
)

// pool bounds the endpoint workers of the process to MaxInFlight. A worker is
// the goroutine that delivers one endpoint's queue, one request at a time, so
// the bound on workers is the bound on requests in flight. Without it every
// endpoint with work would start MaxInFlightPerEndpoint workers and most
// would wait for a request slot: at a thousand endpoints, thousands of idle
// goroutines whose stacks outweighed the heap. An endpoint that finds no
// place waits in line, and a worker gives its place to the first in line
// after every batch, so a busy endpoint cannot keep the others waiting. An
// endpoint waiting for its webhook's rate holds no place (see endpoint.rest).
type pool struct {
	mu   sync.Mutex
	free int
	// line is the endpoints waiting for a place; endpoint.inLine says one
	// is in it, and both are guarded by mu. pool.mu is never held while an
	// endpoint's mu is taken.
	line []*endpoint
	// waiting is len(line), read without mu after every batch.
	waiting atomic.Int32
}

func newPool(places int) *pool { return &pool{free: places} }

// start gives e a new worker if a place is free, or puts e in line.
func (p *pool) start(e *endpoint) {
	p.mu.Lock()
	if p.free == 0 {
		p.wait(e)
		p.mu.Unlock()
		return
	}
	p.free--
	p.mu.Unlock()
	if !e.spawn() {
		p.release()
	}
}

// crowded reports whether an endpoint waits for a place.
func (p *pool) crowded() bool { return p.waiting.Load() > 0 }

// requeue puts e at the end of the line: its worker gives up its place with
// jobs still queued and no other worker to take them.
func (p *pool) requeue(e *endpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wait(e)
}

// wait puts e at the end of the line unless it is in it. Called with mu held.
func (p *pool) wait(e *endpoint) {
	if !e.inLine {
		e.inLine = true
		p.line = append(p.line, e)
		p.waiting.Add(1)
	}
}

// release hands a worker's place to the first endpoint in line that still
// wants a worker, or frees it.
func (p *pool) release() {
	for {
		p.mu.Lock()
		if len(p.line) == 0 {
			p.free++
			p.mu.Unlock()
			return
		}
		e := p.line[0]
		p.line[0] = nil
		p.line = p.line[1:]
		p.waiting.Add(-1)
		e.inLine = false
		p.mu.Unlock()
		if e.spawn() {
			return
		}
	}
}
