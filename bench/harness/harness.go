// Package harness joins a started stack, the receiver, the webhooks and the
// event producer into the steps every benchmark and fault test takes:
// create webhooks, warm up, produce, wait until the expected deliveries
// arrived, and summarise.
package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/hookstream/hookstream/bench/load"
	"github.com/hookstream/hookstream/bench/receiver"
	"github.com/hookstream/hookstream/bench/stack"
)

// Harness is one run's moving parts.
type Harness struct {
	Stack    *stack.Stack
	Receiver *receiver.Receiver
	Events   *load.Events
	API      *load.API
	// Webhooks are the ids of the webhooks that should receive every
	// event (not the dead, refused or slow ones), and Behaviour their
	// receiver behaviour.
	Webhooks  []string
	Behaviour string
	base      string
	srv       *http.Server
	// measured is when the last warm-up ended: events produced before it
	// are not counted.
	measured time.Time
}

// Config shapes the receiver and the events.
type Config struct {
	// ErrorRate is the share of requests Flaky endpoints answer 500, but
	// at most MaxFailures times to one message (0: no cap).
	ErrorRate   float64
	MaxFailures int
	// SlowAnswer is how long Slow endpoints take to answer.
	SlowAnswer time.Duration
	// EventSize is the approximate JSON size of an event in bytes.
	EventSize int
}

// New starts the receiver and the producer against s.
func New(ctx context.Context, s *stack.Stack, cfg Config) (*Harness, error) {
	h := &Harness{Stack: s, API: load.NewAPI(s.APIURL, stack.AdminToken)}
	ev, err := load.NewEvents(ctx, s.Brokers, s.RegistryURL, s.Prefix, cfg.EventSize)
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	h.Events = ev
	h.Receiver = receiver.New(receiver.Config{ErrorRate: cfg.ErrorRate, MaxFailures: cfg.MaxFailures, SlowAnswer: cfg.SlowAnswer,
		Lookup: func(id string) (receiver.Event, bool) {
			p, ok := ev.Lookup(id)
			return receiver.Event{ProducedAt: p.At, Key: p.Key, Seq: p.Seq}, ok
		}})
	if h.base, h.srv, err = receiver.Serve(h.Receiver); err != nil {
		ev.Close()
		return nil, fmt.Errorf("receiver: %w", err)
	}
	return h, nil
}

// Close stops the receiver and the producer.
func (h *Harness) Close() {
	h.Receiver.Close()
	_ = h.srv.Close()
	h.Events.Close()
}

// AddWebhooks creates n webhooks shaped by spec whose endpoints behave as
// behaviour (a receiver behaviour) and returns their ids. OK and Flaky ones
// are expected to receive every event, so their filter must take every
// event the load produces, and one run has one such behaviour.
func (h *Harness) AddWebhooks(ctx context.Context, n int, behaviour string, spec load.Spec) ([]string, error) {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/%s/%d", h.base, behaviour, len(h.Webhooks)+i)
	}
	ids, err := h.API.CreateWebhooks(ctx, "bench-"+behaviour, urls, spec)
	if err != nil {
		return nil, err
	}
	if behaviour == receiver.OK || behaviour == receiver.Flaky {
		if h.Behaviour != "" && h.Behaviour != behaviour {
			return nil, fmt.Errorf("webhooks of behaviour %s beside %s: one run counts one behaviour as every event's", behaviour, h.Behaviour)
		}
		h.Behaviour = behaviour
		h.Webhooks = append(h.Webhooks, ids...)
	}
	return ids, nil
}

// AddRefused creates n webhooks shaped by spec whose endpoint refuses
// connections: a loopback port that was listened on and closed, so the
// kernel answers a connection attempt with a reset (until some process
// happens to take the port again).
func (h *Harness) AddRefused(ctx context.Context, n int, spec load.Spec) ([]string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return nil, err
	}
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://%s/refused/%d", addr, i)
	}
	return h.API.CreateWebhooks(ctx, "bench-refused", urls, spec)
}

// WarmUp produces one event and waits until every expected webhook has it,
// so the router knows every webhook and connections are open before the
// measured part; then it forgets the counts.
func (h *Harness) WarmUp(ctx context.Context, timeout time.Duration) error {
	before := h.Receiver.Counts().Delivered
	if err := h.Events.Produce(ctx, 1, 0, nil); err != nil {
		return err
	}
	if err := h.WaitDelivered(ctx, before+len(h.Webhooks), timeout, timeout); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	h.Receiver.Reset()
	h.measured = time.Now()
	return nil
}

// WaitDelivered waits until want distinct pairs arrived, timeout passes, or
// none arrived for quiet.
func (h *Harness) WaitDelivered(ctx context.Context, want int, timeout, quiet time.Duration) error {
	deadline := time.Now().Add(timeout)
	last, progressed := 0, time.Now()
	for {
		got := h.Receiver.Counts().Delivered
		if got >= want {
			return nil
		}
		if got > last {
			last, progressed = got, time.Now()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d deliveries arrived within %s", got, want, timeout)
		}
		// Retries and a moved partition take seconds, not minutes: a long
		// silence means the rest are not coming, and waiting out the whole
		// timeout only delays the diagnosis.
		if time.Since(progressed) > quiet {
			return fmt.Errorf("%d of %d deliveries arrived; none for %s", got, want, quiet)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Percentile returns the p-th percentile (0–100) of ds, in milliseconds.
func Percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	i := int(float64(len(sorted)-1) * p / 100)
	return float64(sorted[i].Microseconds()) / 1000
}
