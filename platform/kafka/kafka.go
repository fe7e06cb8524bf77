// Package kafka builds the franz-go client options and the Schema Registry
// client every hookstream component shares, so brokers, client id, SASL, TLS
// and producer durability are set in one place.
package kafka

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookstream/hookstream/platform/config"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"
)

// Options are the base options for a client of brokers. Producers are
// idempotent with acks=all (franz-go's defaults, kept on purpose: an outcome
// is durable only once every in-sync replica has it).
// It fails only on unreadable TLS files or an unknown SASL mechanism.
func Options(conn config.Connection, log *slog.Logger) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(conn.Brokers...),
		kgo.ClientID(conn.ClientID),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RetryTimeout(30 * time.Second),
		kgo.ProducerBatchMaxBytes(MaxRecordBatchBytes),
	}
	if log != nil {
		// The client's info lines (every assignment, with all offsets) drown
		// the component's own; they show only when debug is asked for.
		if !log.Enabled(context.Background(), slog.LevelDebug) {
			log = slog.New(minLevel{log.Handler(), slog.LevelWarn})
		}
		opts = append(opts, kgo.WithLogger(kslog.New(log.With("component", "kafka-client"))))
	}
	sec, err := security(conn.Security)
	if err != nil {
		return nil, err
	}
	return append(opts, sec...), nil
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
