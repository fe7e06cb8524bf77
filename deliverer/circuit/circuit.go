// Package circuit is the per-endpoint circuit breaker of the deliverer.
//
// An endpoint that does not answer (timeouts, refused or reset connections)
// costs the deliverer a request slot for up to the webhook's timeout on every
// attempt; with 16 slots per endpoint, its queue grows behind them while the
// partition's commit mark waits. After Threshold such failures in a row the
// breaker opens: the deliverer stops calling the endpoint and moves its tasks
// straight to the next retry tier, where Kafka holds them. After Cooldown one
// probe request may go out (half-open); an answer closes the breaker, another
// failure opens it again.
//
// Any HTTP answer, 5xx included, counts as reachable: an endpoint that answers
// 500 quickly holds nothing back, and its failures are the retry tiers' and the
// auto-disable rule's business, not the breaker's.
package circuit

import (
	"sync"
	"time"
)

// State of a breaker.
type State int

// States.
const (
	Closed State = iota
	Open
	HalfOpen
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// Defaults.
const (
	DefaultThreshold = 5
	DefaultCooldown  = 30 * time.Second
)

// Breaker is safe for concurrent use.
type Breaker struct {
	threshold int
	cooldown  time.Duration

	mu       sync.Mutex
	failures int
	open     bool
	openedAt time.Time
	// probeAt is when the half-open probe went out; zero when none is out.
	// A probe that never reports (its attempt was cut off by shutdown) is
	// given up after another cooldown, so the breaker cannot stick.
	probeAt time.Time
}

// New returns a closed breaker; threshold <= 0 and cooldown <= 0 take the
// defaults.
func New(threshold int, cooldown time.Duration) *Breaker {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	if cooldown <= 0 {
		cooldown = DefaultCooldown
	}
	return &Breaker{threshold: threshold, cooldown: cooldown}
}

// Allow reports whether a request may go out now. While open it refuses;
// after the cooldown it lets exactly one probe through at a time.
func (b *Breaker) Allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true
	}
	if now.Sub(b.openedAt) < b.cooldown {
		return false
	}
	if !b.probeAt.IsZero() && now.Sub(b.probeAt) < b.cooldown {
		return false
	}
	b.probeAt = now
	return true
}

// Record reports the result of a request Allow let through: reachable is
// false for a transport failure. It returns the state before and after, so
// the caller can count open breakers.
func (b *Breaker) Record(now time.Time, reachable bool) (before, after State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	before = b.state(now)
	b.probeAt = time.Time{}
	if reachable {
		b.failures, b.open = 0, false
	} else {
		b.failures++
		if b.open || b.failures >= b.threshold {
			b.open, b.openedAt = true, now
		}
	}
	return before, b.state(now)
}

// State is the breaker's state at now.
func (b *Breaker) State(now time.Time) State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state(now)
}

func (b *Breaker) state(now time.Time) State {
	switch {
	case !b.open:
		return Closed
	case now.Sub(b.openedAt) < b.cooldown:
		return Open
	default:
		return HalfOpen
	}
}
