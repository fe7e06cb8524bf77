package devstack

import (
	"flag"
	"fmt"
	"net"

	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/secret"
)

// Config is `hookstream dev`'s command line.
type Config struct {
	config.Common
	// DataDir keeps the broker's log, and so every topic, across restarts,
	// and the API's history index (its history subdirectory).
	DataDir string
	// APIAddr serves the control API and /healthz, /readyz.
	APIAddr string
	// KafkaAddr is where the embedded broker listens for any Kafka client.
	KafkaAddr string
	// RegistryAddr serves the Schema Registry.
	RegistryAddr string
	// AdminToken is the admin bearer token; empty means the one kept in the
	// data directory, created on first start.
	AdminToken string
	// TokensFile adds `TOKEN USER ROLE` lines to the admin token.
	TokensFile string
	// SecretKey seals webhook secrets; empty means the one kept in the data
	// directory, created on first start.
	SecretKey string
	// Flags are the outbound guard's, for the deliverer and the API alike.
	// Loopback is always allowed, as dev's receivers run on this machine;
	// private addresses only with --allow-private-endpoints, as anywhere.
	ssrf.Flags
	// Webhooks are the platform settings, for the deliverer and the API.
	Webhooks config.Webhooks
	// Demo creates a demo webhook pointing at a built-in receiver and
	// produces sample events every few seconds.
	Demo bool
	// Version goes into the deliverer's User-Agent; not a flag.
	Version string
}

// Register adds dev's flags to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	c.RegisterTopics(fs)
	c.RegisterProcess(fs, "127.0.0.1:9464")
	fs.StringVar(&c.DataDir, "data-dir", ".hookstream", "directory of the embedded broker's data and the history index")
	fs.StringVar(&c.APIAddr, "api-addr", "127.0.0.1:8080", "control API address")
	fs.StringVar(&c.KafkaAddr, "kafka-addr", "127.0.0.1:9092", "embedded Kafka broker address")
	fs.StringVar(&c.RegistryAddr, "registry-addr", "127.0.0.1:8081", "Schema Registry address")
	fs.StringVar(&c.AdminToken, "admin-token", "", "admin bearer token (default: generated once and kept in the data dir)")
	fs.StringVar(&c.TokensFile, "tokens-file", "", "file of `TOKEN USER ROLE` lines (ROLE admin or user), besides the admin token")
	fs.BoolVar(&c.Demo, "demo", false, "create a demo webhook to a built-in receiver and produce sample events every few seconds, printing each delivery")
	fs.StringVar(&c.SecretKey, "secret-key", "", "key that seals webhook secrets, 32 bytes as base64 or hex (default: generated once and kept in the data dir)")
	c.Flags.RegisterButLoopback(fs)
	c.Webhooks.Register(fs)
}

// Guard is the guard configuration of dev's deliverer and API: the flags,
// with loopback allowed.
func (c *Config) Guard() ssrf.Flags {
	f := c.Flags
	f.AllowLoopbackEndpoints = true
	return f
}

// Validate names the flag that is wrong.
func (c *Config) Validate() error {
	for flagName, addr := range map[string]string{"api-addr": c.APIAddr, "kafka-addr": c.KafkaAddr, "registry-addr": c.RegistryAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("--%s: %w", flagName, err)
		}
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	if c.SecretKey != "" {
		if _, err := secret.ParseKey(c.SecretKey); err != nil {
			return fmt.Errorf("--secret-key: %w", err)
		}
	}
	guard := c.Guard()
	if _, err := ssrf.New(guard.Options()); err != nil {
		return fmt.Errorf("--allowed-urls/--deny-cidrs: %w", err)
	}
	if err := c.Webhooks.Validate(); err != nil {
		return err
	}
	if c.DataDir == "" {
		return fmt.Errorf("--data-dir: must not be empty")
	}
	if c.Partitions < 1 {
		return fmt.Errorf("--partitions: must be at least 1")
	}
	if _, err := config.ParseLevel(c.LogLevel); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	return nil
}
