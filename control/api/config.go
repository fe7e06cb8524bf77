package api

import (
	"flag"
	"fmt"
	"time"

	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/platform/topic"
)

// Config is the API's command line.
type Config struct {
	config.Common
	// Addr serves the API.
	Addr string
	// TokensFile holds `TOKEN USER ROLE` lines; AdminToken adds one admin.
	TokensFile string
	AdminToken string
	// SecretKey seals webhook secrets (32 bytes, base64 or hex); the
	// deliverer opens them with the same key.
	SecretKey string
	// Flags guard test and validate, and refuse at save time the URLs the
	// deliverer would refuse.
	ssrf.Flags
	// Webhooks are the platform settings: sending at all, test and
	// validate, the longest timeout.
	Webhooks config.Webhooks
	// CatalogFile adds event types to the built-in catalogue.
	CatalogFile string
	// SecretGrace is how long a rotated-out secret keeps signing.
	SecretGrace time.Duration
	// HistoryDir holds the durable history index; empty: a temporary
	// directory removed at exit, so every start reads the attempts topic
	// again.
	HistoryDir string
	// HistoryRetention is how long attempts stay in the history, and the
	// retention the API sets on the attempts topic.
	HistoryRetention time.Duration
	// Version goes into the User-Agent of test and validate requests.
	Version string
}

// Defaults is the configuration the flags start from (the Common part aside).
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", Webhooks: config.DefaultWebhooks(), SecretGrace: 24 * time.Hour, HistoryRetention: topic.DefaultAttemptsRetention}
}

// Register adds the API's flags to fs.
func (c *Config) Register(fs *flag.FlagSet) {
	def := Defaults()
	c.Common.Register(fs, "127.0.0.1:9467")
	fs.StringVar(&c.Addr, "addr", def.Addr, "address the control API listens on")
	fs.StringVar(&c.TokensFile, "tokens-file", "", "file of `TOKEN USER ROLE` lines (ROLE admin or user)")
	fs.StringVar(&c.AdminToken, "admin-token", "", "one more admin token")
	fs.StringVar(&c.SecretKey, "secret-key", "", "key that seals the webhook secrets: 32 bytes as base64 or hex (required)")
	c.Flags.Register(fs)
	c.Webhooks.Register(fs)
	fs.StringVar(&c.CatalogFile, "catalog-file", "", `JSON file {"actions":[{"type","description","category"}]} of event types to add to the catalogue`)
	fs.DurationVar(&c.SecretGrace, "secret-grace", def.SecretGrace, "how long a rotated-out secret keeps signing")
	fs.StringVar(&c.HistoryDir, "history-dir", "", "directory of the durable history index (empty: a temporary one, rebuilt from the attempts topic at every start)")
	fs.DurationVar(&c.HistoryRetention, "history-retention", def.HistoryRetention, "how long attempts stay in the history; also set as the attempts topic's retention")
}

// Names are the topic names, the attempts topic kept as long as the history.
func (c *Config) Names() topic.Names {
	n := c.Common.Names()
	n.AttemptsRetention = c.HistoryRetention
	return n
}

// Validate names the flag that is wrong.
func (c *Config) Validate() error {
	if err := c.Common.Validate(); err != nil {
		return err
	}
	if c.Addr == "" {
		return fmt.Errorf("--addr: must not be empty")
	}
	if c.TokensFile == "" && c.AdminToken == "" {
		return fmt.Errorf("--tokens-file or --admin-token: at least one is required, or no one could call the API")
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		return fmt.Errorf("--admin-token: must be at least 16 characters")
	}
	if c.SecretKey == "" {
		return fmt.Errorf("--secret-key: required (webhook secrets are stored sealed with it)")
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
	if c.SecretGrace < 0 {
		return fmt.Errorf("--secret-grace: must not be negative")
	}
	if c.HistoryRetention < time.Minute {
		return fmt.Errorf("--history-retention: must be at least 1m")
	}
	return nil
}
