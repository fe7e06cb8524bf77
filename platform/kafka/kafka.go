// Package kafka builds the franz-go client options every hookstream component
// shares, so brokers, client id and producer durability are set in one place.
package kafka

import (
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
		opts = append(opts, kgo.WithLogger(kslog.New(log.With("component", "kafka-client"))))
	}
	return opts
}
