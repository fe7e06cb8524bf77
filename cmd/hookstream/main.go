// Command hookstream is the one binary of hookstream: `hookstream dev` runs
// the embedded stack; router, deliverer, api, produce, replay and receive run
// one component each against a real cluster; provision prepares a cluster.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: hookstream <command> [flags]

commands:
  dev        run the embedded stack: broker, schema registry, router, deliverer, API
  router     route events to webhook subscriptions
  deliverer  deliver tasks to webhook endpoints
  api        serve the control API
  produce    produce events from JSON lines or synthetic load
  replay     re-route a webhook's events from a time range
  receive    run a local receiver that verifies signatures
  provision  create the topics and register the schemas, then exit

Run 'hookstream <command> -h' for a command's flags. Every flag has an
environment twin: HOOKSTREAM_ and the flag name in upper case, dashes as
underscores (--retry-tiers is HOOKSTREAM_RETRY_TIERS).
`

// version is set at build time (-ldflags "-X main.version=…") and goes into
// the deliverer's User-Agent.
var version = "dev"

// errUsage marks a command line that could not be parsed; it exits 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	switch {
	case err == nil:
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "hookstream:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "dev":
		return runDev(ctx, rest, stdout, stderr, getenv)
	case "router":
		return runRouter(ctx, rest, stderr, getenv)
	case "deliverer":
		return runDeliverer(ctx, rest, stderr, getenv)
	case "produce":
		return runProduce(ctx, rest, stdin, stdout, stderr, getenv)
	case "api":
		return runAPI(ctx, rest, stderr, getenv)
	case "replay":
		return runReplay(ctx, rest, stdout, stderr, getenv)
	case "receive":
		return runReceive(ctx, rest, stdout, stderr, getenv)
	case "provision":
		return runProvision(ctx, rest, stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "hookstream: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}
