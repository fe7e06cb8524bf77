package producer

import (
	"log/slog"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/topic"
)

// Config is what a Client needs to reach the cluster. It holds no Kafka or
// registry types so that upstream systems can fill it from their own
// configuration without importing franz-go.
type Config struct {
	// Brokers are the Kafka bootstrap addresses.
	Brokers []string
	// RegistryURL is the Schema Registry, e.g. http://127.0.0.1:8081.
	RegistryURL string
	// TopicPrefix starts the event topic names; empty means
	// topic.DefaultPrefix ("hookstream."), the prefix every component uses
	// unless told otherwise.
	TopicPrefix string
	// ClientID names this producer to the brokers; empty means
	// "hookstream-producer".
	ClientID string
	// Security is SASL and TLS for the brokers and the registry (plain
	// strings and file names); the zero value is plaintext.
	Security config.Security
	// Logger receives the Kafka client's log; nil discards it.
	Logger *slog.Logger
	// ExtraEventTypes are metadata event types accepted besides the built-in
	// catalogue: the catalogue is data (DESIGN §4), so a deployment can add
	// Immuta-style types without a schema change.
	ExtraEventTypes []string
}

func (c Config) withDefaults() Config {
	if c.TopicPrefix == "" {
		c.TopicPrefix = topic.DefaultPrefix
	}
	if c.ClientID == "" {
		c.ClientID = "hookstream-producer"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
