package producer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

// Client emits hookstream events. It produces with the idempotent producer
// and acks=all (platform/kafka), so an event is acknowledged only once every
// in-sync replica has it and a retry never writes it twice. A Client is safe
// for concurrent use.
type Client struct {
	kc        *kgo.Client
	enc       *encoder
	closeOnce sync.Once
}

// New connects to the cluster and registers the two event schemas under
// "<topic>-value". Registering up front means a schema the registry refuses
// (for example one that breaks BACKWARD compatibility) fails here, at start,
// instead of on the first event; and it fixes the schema id every record is
// written with.
func New(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("producer: no brokers")
	}
	if cfg.RegistryURL == "" {
		return nil, fmt.Errorf("producer: no registry URL")
	}
	conn := config.Connection{Brokers: cfg.Brokers, Registry: cfg.RegistryURL, ClientID: cfg.ClientID, Security: cfg.Security}
	reg, err := kafka.Registry(conn)
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	serde := schemas.NewSerde(reg, schemas.MustLoad())
	names := topic.NewNames(cfg.TopicPrefix, nil)
	for _, s := range []struct{ topic, record string }{
		{names.MetadataChanges, "MetadataChangeEvent"},
		{names.WorkflowCompletion, "WorkflowCompletionEvent"},
	} {
		if _, err := serde.Register(ctx, schemas.Subject(s.topic), s.record); err != nil {
			return nil, fmt.Errorf("producer: %w", err)
		}
	}
	opts, err := kafka.Options(conn, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("producer: %w", err)
	}
	kc, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("producer: kafka client: %w", err)
	}
	// kgo connects lazily; asking once now turns a wrong --brokers into an
	// error at start rather than a stall on the first event.
	if err := kc.Ping(ctx); err != nil {
		kc.Close()
		return nil, fmt.Errorf("producer: reach brokers %v: %w", cfg.Brokers, err)
	}
	return &Client{
		kc:  kc,
		enc: &encoder{serde: serde, names: names, types: newCatalogue(cfg.ExtraEventTypes), now: time.Now},
	}, nil
}

// Topics are the topic names this client writes to.
func (c *Client) Topics() topic.Names { return c.enc.names }

// Flush waits until every event emitted so far is acknowledged or has
// failed (its callback has run), or ctx ends.
func (c *Client) Flush(ctx context.Context) error { return c.kc.Flush(ctx) }

// Close releases the client. It does not wait for buffered events: those fail
// with kgo.ErrClientClosed, so call Flush first to keep them. Closing twice is
// harmless, so a deferred Close can follow an early one on an error path.
func (c *Client) Close() { c.closeOnce.Do(c.kc.Close) }
