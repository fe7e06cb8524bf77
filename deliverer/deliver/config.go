package deliver

import (
	"flag"
	"fmt"
	"time"

	"github.com/hookstream/hookstream/deliverer/circuit"
	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/secret"
)

// Config is the deliverer's command line.
type Config struct {
	config.Common
	// Group is the consumer group; deliverers in one group split the
	// partitions of the deliveries and tier topics.
	Group string
	// SecretKey opens the webhook secrets sealed in the subscriptions topic
	// (32 bytes, base64 or hex). Without it signed webhooks cannot be sent.
	SecretKey string
	// Flags are the outbound guard's: which addresses and URLs may be
	// sent to.
	ssrf.Flags
	// Webhooks are the platform settings the deliverer acts on: sending at
	// all (off, it neither fetches nor commits, so every task waits) and
	// the longest request timeout. TestsEnabled is the API's.
	Webhooks config.Webhooks
	// MaxInFlight bounds HTTP requests in flight in the process.
	MaxInFlight int
	// MaxInFlightPerEndpoint bounds HTTP requests in flight to one webhook,
	// so one slow endpoint cannot take every slot.
	MaxInFlightPerEndpoint int
	// EndpointQueue is how many tasks one webhook may hold in memory (or
	// more: see endpoint.queueLimit) before, if it is failing or slower than
	// its inflow for a sustained time, it is parked: its tasks wait in Kafka
	// instead of filling the process (lane.go).
	EndpointQueue int
	// MaxPending bounds records fetched and not finished; the poll loop
	// stops fetching at the bound.
	MaxPending int
	// CircuitThreshold is the number of consecutive unanswered attempts
	// (timeouts, refused or reset connections) that opens an endpoint's
	// circuit; CircuitCooldown is how long it stays open before a probe.
	CircuitThreshold int
	CircuitCooldown  time.Duration
	// ShutdownTimeout bounds how long in-flight requests may finish after
	// SIGTERM or a revoked partition; what does not finish is redelivered.
	ShutdownTimeout time.Duration
	// Version goes into User-Agent.
	Version string
}

// Defaults is the configuration the flags start from (the Common part
// aside), for `hookstream dev` and tests that build a Config in code.
func Defaults() Config {
	return Config{
		Group: "hookstream-deliverer", Webhooks: config.DefaultWebhooks(), MaxInFlight: 1024, MaxInFlightPerEndpoint: 16, EndpointQueue: 512,
		MaxPending: 8192, CircuitThreshold: circuit.DefaultThreshold, CircuitCooldown: circuit.DefaultCooldown,
		ShutdownTimeout: 15 * time.Second,
	}
}

// Register adds the deliverer's flags to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	def := Defaults()
	c.Common.Register(fs, "127.0.0.1:9466")
	fs.StringVar(&c.Group, "group", def.Group, "consumer group of the deliverers")
	fs.StringVar(&c.SecretKey, "secret-key", "", "key that opens the webhook secrets: 32 bytes as base64 or hex (required)")
	c.Flags.Register(fs)
	c.Webhooks.RegisterSending(fs)
	fs.IntVar(&c.MaxInFlight, "max-in-flight", def.MaxInFlight, "HTTP requests in flight in this process")
	fs.IntVar(&c.MaxInFlightPerEndpoint, "max-in-flight-per-endpoint", def.MaxInFlightPerEndpoint, "HTTP requests in flight to one webhook")
	fs.IntVar(&c.EndpointQueue, "endpoint-queue", def.EndpointQueue, "tasks one webhook may hold in memory (or 5 s of its measured pace, or its share of --max-pending among webhooks with work, if more) before it is parked when failing or slower than its inflow (or, not answering, holding as many): its tasks then wait in Kafka until it has room (docs/delivery.md)")
	fs.IntVar(&c.MaxPending, "max-pending", def.MaxPending, "records fetched and not yet finished before fetching stops")
	fs.IntVar(&c.CircuitThreshold, "circuit-threshold", def.CircuitThreshold, "consecutive unanswered attempts that open an endpoint's circuit")
	fs.DurationVar(&c.CircuitCooldown, "circuit-cooldown", def.CircuitCooldown, "how long an open circuit waits before a probe")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", def.ShutdownTimeout, "how long in-flight requests may finish on shutdown")
}

// Validate names the flag that is wrong.
func (c *Config) Validate() error {
	if err := c.Common.Validate(); err != nil {
		return err
	}
	if c.Group == "" {
		return fmt.Errorf("--group: must not be empty")
	}
	if c.SecretKey == "" {
		return fmt.Errorf("--secret-key: required (the key the control API seals webhook secrets with)")
	}
	if _, err := secret.ParseKey(c.SecretKey); err != nil {
		return fmt.Errorf("--secret-key: %w", err)
	}
	if _, err := ssrf.New(c.Options()); err != nil {
		return fmt.Errorf("--allowed-urls/--deny-cidrs: %w", err)
	}
	if err := c.Webhooks.Validate(); err != nil {
		return err
	}
	// In flag order, so the same bad command line always names the same flag.
	for _, f := range []struct {
		name string
		v    int
	}{
		{"max-in-flight", c.MaxInFlight}, {"max-in-flight-per-endpoint", c.MaxInFlightPerEndpoint},
		{"endpoint-queue", c.EndpointQueue}, {"max-pending", c.MaxPending},
		{"circuit-threshold", c.CircuitThreshold},
	} {
		if f.v < 1 {
			return fmt.Errorf("--%s: must be at least 1", f.name)
		}
	}
	if c.CircuitCooldown <= 0 {
		return fmt.Errorf("--circuit-cooldown: must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout: must be positive")
	}
	return nil
}
