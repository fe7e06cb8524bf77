package load

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hookstream/hookstream/producer"
	"github.com/hookstream/hookstream/schemas"
)

// Events produces metadata events and remembers when each went out and
// where it stands among the events of its key.
type Events struct {
	client *producer.Client
	synth  *producer.Synthetic
	size   int

	mu       sync.RWMutex
	produced map[string]Produced
	// seqs is the number of events produced so far per key.
	seqs map[string]int
	errs []error
}

// Produced is what the benchmark knows of an event it produced.
type Produced struct {
	At time.Time
	// Key is the record's Kafka key, the entity id; Seq is the event's
	// place among the events of that key, from 1. One goroutine hands the
	// events to an idempotent producer, which keeps a partition's records
	// in the order they were handed over, so Seq is the order of the
	// source log.
	Key string
	Seq int
}

// Shape adjusts the i-th event of a Produce call (from 0) before it is
// sent: its entity id, which is its key, or its tags.
type Shape func(i int, ev *schemas.MetadataChangeEvent)

// NewEvents connects a producer to the stack.
func NewEvents(ctx context.Context, brokers []string, registryURL, prefix string, size int) (*Events, error) {
	client, err := producer.New(ctx, producer.Config{Brokers: brokers, RegistryURL: registryURL, TopicPrefix: prefix, ClientID: "bench-producer"})
	if err != nil {
		return nil, err
	}
	return &Events{client: client, synth: producer.NewSynthetic(1, time.Now), size: size,
		produced: map[string]Produced{}, seqs: map[string]int{}}, nil
}

// Close closes the producer.
func (e *Events) Close() { e.client.Close() }

// ProducedAt is when the event was handed to the producer.
func (e *Events) ProducedAt(id string) (time.Time, bool) {
	p, ok := e.Lookup(id)
	return p.At, ok
}

// Lookup is what was produced as event id; false for an event this run did
// not produce.
func (e *Events) Lookup(id string) (Produced, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, ok := e.produced[id]
	return p, ok
}

// IDs are the ids of every event produced so far.
func (e *Events) IDs() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	ids := make([]string, 0, len(e.produced))
	for id := range e.produced {
		ids = append(ids, id)
	}
	return ids
}

// Produce sends n events, each adjusted by shape when it is not nil, at
// rate per second (0: as fast as the producer takes them) and waits until
// every one is acknowledged.
func (e *Events) Produce(ctx context.Context, n int, rate float64, shape Shape) error {
	pacer := producer.NewPacer(rate)
	var wg sync.WaitGroup
	for i := range n {
		if err := pacer.Wait(ctx); err != nil {
			return err
		}
		ev := e.event()
		if shape != nil {
			shape(i, ev)
		}
		e.mu.Lock()
		e.seqs[ev.Entity.ID]++
		e.produced[ev.EventID] = Produced{At: time.Now(), Key: ev.Entity.ID, Seq: e.seqs[ev.Entity.ID]}
		e.mu.Unlock()
		wg.Add(1)
		err := e.client.EmitMetadataAsync(ctx, ev, func(err error) {
			defer wg.Done()
			if err != nil {
				e.mu.Lock()
				e.errs = append(e.errs, err)
				e.mu.Unlock()
			}
		})
		if err != nil {
			wg.Done()
			return fmt.Errorf("produce: %w", err)
		}
	}
	wg.Wait()
	e.mu.RLock()
	defer e.mu.RUnlock()
	if len(e.errs) > 0 {
		return fmt.Errorf("produce: %d events failed, first: %w", len(e.errs), e.errs[0])
	}
	return nil
}

// event is a synthetic metadata event padded to about size bytes of JSON.
func (e *Events) event() *schemas.MetadataChangeEvent {
	ev := e.synth.Metadata()
	if pad := e.size - approxSize(ev); pad > 0 {
		ev.Entity.Description = strings.Repeat("x", pad)
	}
	return ev
}

// approxSize is a cheap estimate of the event's JSON size: its text fields
// and a fixed allowance for names and punctuation.
func approxSize(ev *schemas.MetadataChangeEvent) int {
	n := 300 + len(ev.Entity.Name) + len(ev.Entity.FullyQualifiedName) + len(ev.Entity.Description)
	for _, t := range ev.Entity.Tags {
		n += len(t) + 3
	}
	for k, v := range ev.Entity.CustomMetadata {
		n += len(k) + len(v) + 6
	}
	return n
}
