package config

import (
	"flag"
	"fmt"
	"time"
)

// DefaultMaxTimeout is the longest request timeout a webhook may have unless
// --max-timeout says otherwise: a sender waiting longer holds an in-flight
// slot that other endpoints' tasks need.
const DefaultMaxTimeout = 60 * time.Second

// Webhooks are the platform-wide webhook settings Trifacta's admins set
// (webapp.webhookSettings): the feature as a whole, its test button and a
// global timeout. They apply to the API and the deliverer alike.
type Webhooks struct {
	// Enabled (--webhooks-enabled) off sends nothing: the deliverer does
	// not fetch or commit, so tasks wait in their topics, and the API
	// refuses test and validate. The router keeps routing, so turning it on
	// again delivers everything that waited.
	Enabled bool
	// TestsEnabled (--webhook-tests-enabled) off refuses test and validate
	// (Trifacta's testWebhook: false); deliveries go on.
	TestsEnabled bool
	// MaxTimeout (--max-timeout) is the longest timeoutSeconds the API
	// accepts, and the deliverer cuts a longer one stored before it to it.
	MaxTimeout time.Duration
}

// DefaultWebhooks are the settings without flags: everything on, the
// default cap.
func DefaultWebhooks() Webhooks {
	return Webhooks{Enabled: true, TestsEnabled: true, MaxTimeout: DefaultMaxTimeout}
}

// Register adds the three flags (the API and dev).
func (w *Webhooks) Register(fs *flag.FlagSet) {
	w.RegisterSending(fs)
	fs.BoolVar(&w.TestsEnabled, "webhook-tests-enabled", true, "allow POST /api/v1/webhooks/{id}/test and /api/v1/webhooks/validate (false: they answer 403)")
}

// RegisterSending adds --webhooks-enabled and --max-timeout, the two the
// deliverer acts on.
func (w *Webhooks) RegisterSending(fs *flag.FlagSet) {
	fs.BoolVar(&w.Enabled, "webhooks-enabled", true, "send webhooks at all (false: nothing is sent, tasks wait in Kafka until it is true again)")
	fs.DurationVar(&w.MaxTimeout, "max-timeout", DefaultMaxTimeout, "longest request timeout a webhook may have; longer timeoutSeconds are refused by the API and cut to it by the deliverer")
}

// Validate names the flag that is wrong.
func (w Webhooks) Validate() error {
	if w.MaxTimeout < time.Second {
		return fmt.Errorf("--max-timeout: %v is below 1s, the shortest timeoutSeconds a webhook can have", w.MaxTimeout)
	}
	return nil
}

// CapTimeout is d, cut to MaxTimeout.
func (w Webhooks) CapTimeout(d time.Duration) time.Duration {
	return min(d, w.MaxTimeout)
}
