package deliver

import (
	"context"
	"sync"
)

// budget counts records fetched and not yet finished, so the poll loop
// fetches no more than MaxPending of them.
type budget struct {
	mu   sync.Mutex
	n    int
	max  int
	wake chan struct{} // a token when room appears or the count reaches 0
}

func newBudget(max int) *budget { return &budget{max: max, wake: make(chan struct{}, 1)} }

func (b *budget) add() {
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
}

func (b *budget) sub() {
	b.mu.Lock()
	b.n--
	signal := b.n < b.max
	b.mu.Unlock()
	if signal {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
}

func (b *budget) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// room is how many more records may be fetched now.
func (b *budget) room() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.max-b.n, 0)
}

// wait blocks until there is room or ctx ends.
func (b *budget) wait(ctx context.Context) error {
	for b.room() == 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.wake:
		}
	}
	return ctx.Err()
}

// drain blocks until nothing is pending; false when ctx ended first.
func (b *budget) drain(ctx context.Context) bool {
	for b.count() > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-b.wake:
		}
	}
	return true
}
