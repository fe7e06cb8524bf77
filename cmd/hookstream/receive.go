package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/hookstream/hookstream/cmd/hookstream/receiver"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/ops"
)

// receiveFlags are the flags of `hookstream receive` (DESIGN §3).
type receiveFlags struct {
	addr      string
	secrets   config.List
	scheme    string
	tolerance time.Duration
	logLevel  string
}

func (f *receiveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "127.0.0.1:9999", "address to listen on")
	fs.Var(&f.secrets, "secret", "the webhook's signing secret; comma separated to accept several during a rotation; none accepts everything unsigned (HOOKSTREAM_SECRET keeps it out of ps)")
	fs.StringVar(&f.scheme, "scheme", string(signature.Standard), "the webhook's signature scheme: "+signature.SchemeList())
	fs.DurationVar(&f.tolerance, "tolerance", signature.DefaultTolerance, "how far a standard webhook-timestamp may be from now")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func (f *receiveFlags) validate() error {
	if _, err := signature.ParseScheme(f.scheme); err != nil {
		return fmt.Errorf("--scheme: %w", err)
	}
	if f.tolerance <= 0 {
		return fmt.Errorf("--tolerance: must be positive")
	}
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if _, err := config.ParseLevel(f.logLevel); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	return nil
}

// runReceive is `hookstream receive`: a local endpoint that verifies each
// delivery's signature, answers 204 or 401, and prints it to stdout until
// ctx ends. The first line it prints is where it listens, with the port
// resolved, so --addr 127.0.0.1:0 works.
func runReceive(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var f receiveFlags
	if err := parseFlags("receive", args, stderr, getenv, f.register, f.validate); err != nil {
		return err
	}
	scheme, _ := signature.ParseScheme(f.scheme) // validated
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", f.addr, err)
	}
	mode := "accepting everything: unsigned (no --secret)"
	if len(f.secrets) > 0 {
		mode = fmt.Sprintf("verifying %s signatures with %d secret(s)", scheme, len(f.secrets))
		if scheme == signature.Standard {
			mode += fmt.Sprintf(", timestamp tolerance %s", f.tolerance)
		}
	}
	fmt.Fprintf(stdout, "receiving on http://%s\n%s\n", ln.Addr(), mode)
	h := receiver.Handler(receiver.Config{Secrets: f.secrets, Scheme: scheme, Tolerance: f.tolerance}, stdout, time.Now)
	return ops.Serve(ctx, ln, h, config.Logger(stderr, f.logLevel))
}
