package registry

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Entry is one registered schema version as kept in the schemas topic.
type Entry struct {
	Subject    string `json:"subject"`
	Version    int    `json:"version"`
	ID         int    `json:"id"`
	Schema     string `json:"schema"`
	SchemaType string `json:"schemaType,omitempty"`
}

// Store keeps registered schemas durably.
type Store interface {
	// Load returns every saved entry in the order it was saved.
	Load(ctx context.Context) ([]Entry, error)
	Save(ctx context.Context, e Entry) error
}

// KafkaStore keeps entries in a compacted topic, key subject/version.
type KafkaStore struct {
	client *kgo.Client
	topic  string
}

// NewKafkaStore uses client (which must not be a consumer) and topic, which
// must exist.
func NewKafkaStore(client *kgo.Client, topic string) *KafkaStore {
	return &KafkaStore{client: client, topic: topic}
}

// Save produces e and waits until the broker has it.
func (s *KafkaStore) Save(ctx context.Context, e Entry) error {
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

// Load reads the topic from its start to its high watermark with a consumer
// of its own.
func (s *KafkaStore) Load(ctx context.Context) ([]Entry, error) {
	ends, err := kadm.NewClient(s.client).ListEndOffsets(ctx, s.topic)
	if err != nil {
		return nil, fmt.Errorf("load schemas: list offsets of %s: %w", s.topic, err)
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("load schemas: list offsets of %s: %w", s.topic, err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	if len(want) == 0 {
		return nil, nil
	}
	opts := s.client.Opts()
	cons, err := kgo.NewClient(append(opts[:len(opts):len(opts)],
		kgo.ConsumeTopics(s.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		return nil, fmt.Errorf("load schemas: %w", err)
	}
	defer cons.Close()
	latest := map[string]int{} // key -> index in out
	var out []Entry
	for len(want) > 0 {
		fs := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load schemas: %w", err)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return nil, fmt.Errorf("load schemas: %w", ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := want[r.Partition]; ok && r.Offset+1 >= end {
				delete(want, r.Partition)
			}
			var e Entry
			if json.Unmarshal(r.Value, &e) != nil || e.Subject == "" {
				return
			}
			if i, ok := latest[string(r.Key)]; ok {
				out[i] = e
				return
			}
			latest[string(r.Key)] = len(out)
			out = append(out, e)
		})
	}
	return out, nil
}
