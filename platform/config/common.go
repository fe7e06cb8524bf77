package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/hookstream/hookstream/platform/topic"
)

// Common holds the flags every running component accepts.
type Common struct {
	// Brokers are the Kafka bootstrap addresses.
	Brokers List
	// Registry is the Schema Registry URL.
	Registry string
	// TopicPrefix starts every topic name.
	TopicPrefix string
	// RetryTiers are the delays of the retry tier topics; their count + 1 is
	// the default maxAttempts.
	RetryTiers Durations
	// Partitions is the partition count of event, deliveries and tier topics
	// when hookstream creates them.
	Partitions int
	// MetricsAddr serves /metrics, /healthz and /readyz; empty turns it off.
	MetricsAddr string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ClientID names this process to the brokers.
	ClientID string
	// Security is SASL and TLS for the brokers and the registry.
	Security Security
}

// Connection is the part of c that reaches the cluster.
func (c *Common) Connection() Connection {
	return Connection{Brokers: c.Brokers, Registry: c.Registry, ClientID: c.ClientID, Security: c.Security}
}

// Register adds every common flag to fs with its defaults.
func (c *Common) Register(fs *flag.FlagSet, defaultMetricsAddr string) {
	c.RegisterConnection(fs)
	c.RegisterTopics(fs)
	c.RegisterProcess(fs, defaultMetricsAddr)
}

// RegisterConnection adds --brokers, --registry, --client-id and the
// SASL/TLS flags.
func (c *Common) RegisterConnection(fs *flag.FlagSet) {
	c.Brokers = List{"127.0.0.1:9092"}
	fs.Var(&c.Brokers, "brokers", "Kafka bootstrap brokers, comma separated")
	fs.StringVar(&c.Registry, "registry", "http://127.0.0.1:8081", "Schema Registry URL")
	fs.StringVar(&c.ClientID, "client-id", "hookstream", "Kafka client id")
	c.Security.Register(fs)
}

// RegisterTopics adds --topic-prefix, --retry-tiers and --partitions.
func (c *Common) RegisterTopics(fs *flag.FlagSet) {
	c.RetryTiers = append(Durations(nil), topic.DefaultRetryTiers...)
	fs.StringVar(&c.TopicPrefix, "topic-prefix", topic.DefaultPrefix, "prefix of every topic name")
	fs.Var(&c.RetryTiers, "retry-tiers", "delays of the retry tiers, comma separated Go durations")
	fs.IntVar(&c.Partitions, "partitions", 12, "partitions of the event, deliveries and retry topics when created")
}

// RegisterProcess adds --metrics-addr and --log-level.
func (c *Common) RegisterProcess(fs *flag.FlagSet, defaultMetricsAddr string) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", defaultMetricsAddr, "address of /metrics, /healthz and /readyz (empty: off)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
}

// Validate names the flag that is wrong.
func (c *Common) Validate() error {
	if len(c.Brokers) == 0 {
		return fmt.Errorf("--brokers: at least one broker is needed")
	}
	if !strings.HasPrefix(c.Registry, "http://") && !strings.HasPrefix(c.Registry, "https://") {
		return fmt.Errorf("--registry: %q is not an http(s) URL", c.Registry)
	}
	if err := c.Security.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range c.Names().Tiers {
		if seen[t.Topic] {
			return fmt.Errorf("--retry-tiers: two tiers share the topic %s; every tier needs its own delay", t.Topic)
		}
		seen[t.Topic] = true
	}
	if c.Partitions < 1 {
		return fmt.Errorf("--partitions: must be at least 1")
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	return nil
}

// Names are the topic names this configuration selects.
func (c *Common) Names() topic.Names { return topic.NewNames(c.TopicPrefix, c.RetryTiers) }

// ParseLevel reads a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("%q is not debug, info, warn or error", s)
	}
	return l, nil
}

// Logger returns a JSON logger at level (info if it does not parse).
func Logger(w io.Writer, level string) *slog.Logger {
	l, _ := ParseLevel(level)
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
