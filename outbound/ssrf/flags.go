package ssrf

import (
	"flag"

	"github.com/hookstream/hookstream/platform/config"
)

// Flags are the guard's command-line flags, shared by every component that
// sends to webhook URLs (the deliverer, and the control API's test and
// validate), so both refuse the same destinations.
type Flags struct {
	// AllowPrivateEndpoints admits private and link-local addresses (never
	// cloud metadata ones).
	AllowPrivateEndpoints bool
	// AllowLoopbackEndpoints admits 127.0.0.0/8 and ::1; `hookstream dev`
	// always sets it (it has no flag there), and the tests; production
	// should not.
	AllowLoopbackEndpoints bool
	// AllowedURLs are regexes a webhook URL must match (Trifacta's
	// allowedUrlRegexes); empty allows any URL the address checks pass.
	AllowedURLs config.List
	// DenyCIDRs are refused whatever else allows them.
	DenyCIDRs config.List
}

// Register adds the guard's flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.BoolVar(&f.AllowLoopbackEndpoints, "allow-loopback-endpoints", false, "allow webhooks on loopback addresses (for local development)")
	f.RegisterButLoopback(fs)
}

// RegisterButLoopback adds the guard's flags but --allow-loopback-endpoints,
// for `hookstream dev`, which always allows loopback.
func (f *Flags) RegisterButLoopback(fs *flag.FlagSet) {
	fs.BoolVar(&f.AllowPrivateEndpoints, "allow-private-endpoints", false, "allow webhooks on private and link-local addresses (metadata addresses stay refused)")
	fs.Var(&f.AllowedURLs, "allowed-urls", "regexes, comma separated, one of which every webhook URL must match as a whole (empty: any)")
	fs.Var(&f.DenyCIDRs, "deny-cidrs", "address ranges never sent to, comma separated CIDRs")
}

// Options turns the flags into guard options.
func (f *Flags) Options() Options {
	return Options{
		AllowPrivate: f.AllowPrivateEndpoints, AllowLoopback: f.AllowLoopbackEndpoints,
		DenyCIDRs: f.DenyCIDRs, AllowedURLRegexes: f.AllowedURLs,
	}
}
