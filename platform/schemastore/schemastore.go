// Package schemastore keeps the embedded schema registry's entries in a
// compacted Kafka topic, key subject/version, as Confluent's registry keeps
// its own: schema ids survive a restart of the process that serves them.
package schemastore

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/tail"
	"github.com/hookstream/hookstream/schemas/registry"
)

// Store keeps entries in a compacted topic.
type Store struct {
	client *kgo.Client
	topic  string
	log    *slog.Logger
}

// New uses client (which must not be a consumer) and topic, which must exist.
func New(client *kgo.Client, topic string, log *slog.Logger) *Store {
	return &Store{client: client, topic: topic, log: log}
}

// Save produces e and waits until the broker has it.
func (s *Store) Save(ctx context.Context, e registry.Entry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("save schema %s/%d: %w", e.Subject, e.Version, err)
	}
	key := fmt.Sprintf("%s/%d", e.Subject, e.Version)
	if err := s.client.ProduceSync(ctx, &kgo.Record{Topic: s.topic, Key: []byte(key), Value: v}).FirstErr(); err != nil {
		return fmt.Errorf("save schema %s: %w", key, err)
	}
	return nil
}

// Load reads the topic to its end with a consumer of its own and returns the
// latest entry of every key, in the order the keys were first saved.
func (s *Store) Load(ctx context.Context) ([]registry.Entry, error) {
	latest := map[string]int{} // key -> index in out
	var out []registry.Entry
	apply := func(_ context.Context, r *kgo.Record) {
		var e registry.Entry
		if err := json.Unmarshal(r.Value, &e); err != nil || e.Subject == "" {
			s.log.Warn("schema store: skip a record that is not an entry", "partition", r.Partition, "offset", r.Offset)
			return
		}
		if i, ok := latest[string(r.Key)]; ok {
			out[i] = e
			return
		}
		latest[string(r.Key)] = len(out)
		out = append(out, e)
	}
	if err := tail.New(s.client.Opts(), apply, s.log, s.topic).Load(ctx); err != nil {
		return nil, fmt.Errorf("load schemas: %w", err)
	}
	return out, nil
}
