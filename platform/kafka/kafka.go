// Package kafka builds the franz-go client options every hookstream component
// shares, so brokers, client id and producer durability are set in one place.
package kafka

import (
	"context"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"
)

// Options are the base options for a client of brokers. Producers are
// idempotent with acks=all (franz-go's defaults, kept on purpose: an outcome
// is durable only once every in-sync replica has it).
func Options(brokers []string, clientID string, log *slog.Logger) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(clientID),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RetryTimeout(30 * time.Second),
	}
	if log != nil {
		// The client's info lines (every assignment, with all offsets) drown
		// the component's own; they show only when debug is asked for.
		if !log.Enabled(context.Background(), slog.LevelDebug) {
			log = slog.New(minLevel{log.Handler(), slog.LevelWarn})
		}
		opts = append(opts, kgo.WithLogger(kslog.New(log.With("component", "kafka-client"))))
	}
	return opts
}

// minLevel drops records below level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
