package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/producer"
)

// produceFlags are the flags of `hookstream produce` (DESIGN §3).
type produceFlags struct {
	conn        config.Common // --brokers, --registry, --client-id, SASL/TLS
	topicPrefix string
	kind        string
	file        string
	synthetic   int
	rate        float64
	seed        uint64
	seedGiven   bool
	extraTypes  config.List
	logLevel    string
}

func (f *produceFlags) register(fs *flag.FlagSet) {
	f.conn.RegisterConnection(fs)
	fs.StringVar(&f.topicPrefix, "topic-prefix", topic.DefaultPrefix, "prefix of every topic name")
	fs.StringVar(&f.kind, "type", "metadata", "event type: metadata or workflow")
	fs.StringVar(&f.file, "file", "", "JSON lines to produce, one event per line (default: stdin)")
	fs.IntVar(&f.synthetic, "synthetic", 0, "produce N generated events instead of reading lines")
	fs.Float64Var(&f.rate, "rate", 0, "events per second (0: as fast as possible)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of --synthetic, to repeat a run (default: random, printed)")
	fs.Var(&f.extraTypes, "extra-event-types", "metadata event types accepted besides the built-in catalogue, comma separated")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level of the Kafka client: debug, info, warn or error")
}

func (f *produceFlags) validate() error {
	switch {
	case f.kind != "metadata" && f.kind != "workflow":
		return fmt.Errorf("--type: %q is neither metadata nor workflow", f.kind)
	case f.synthetic < 0:
		return fmt.Errorf("--synthetic: must not be negative")
	case f.synthetic > 0 && f.file != "":
		return fmt.Errorf("--synthetic and --file exclude each other")
	case f.rate < 0:
		return fmt.Errorf("--rate: must not be negative")
	case len(f.conn.Brokers) == 0:
		return fmt.Errorf("--brokers: at least one broker is needed")
	case f.conn.Registry == "":
		return fmt.Errorf("--registry: needed")
	}
	if _, err := config.ParseLevel(f.logLevel); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	return f.conn.Security.Validate()
}

// runProduce is `hookstream produce`: JSON lines from --file or stdin, or
// --synthetic load, produced through the producer library so the command
// validates and encodes exactly as an upstream system's emitter would. It
// returns an error unless every event went in; a bad line is reported on
// stderr with its number and nothing of it is produced.
func runProduce(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var f produceFlags
	fs := flag.NewFlagSet("hookstream produce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	if err := config.Parse(fs, args, getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fs.Visit(func(fl *flag.Flag) { f.seedGiven = f.seedGiven || fl.Name == "seed" })
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hookstream produce: unexpected argument %q (use --file)\n", fs.Arg(0))
		return errUsage
	}
	if err := f.validate(); err != nil {
		fmt.Fprintln(stderr, "hookstream produce:", err)
		return errUsage
	}

	var input io.Reader
	if f.synthetic == 0 {
		input = stdin
		if f.file != "" && f.file != "-" {
			file, err := os.Open(f.file)
			if err != nil {
				return fmt.Errorf("produce: %w", err)
			}
			defer file.Close()
			input = file
		}
	}

	client, err := producer.New(ctx, producer.Config{
		Brokers:         f.conn.Brokers,
		RegistryURL:     f.conn.Registry,
		TopicPrefix:     f.topicPrefix,
		ClientID:        f.conn.ClientID,
		Security:        f.conn.Security,
		Logger:          config.Logger(stderr, f.logLevel),
		ExtraEventTypes: f.extraTypes,
	})
	if err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	t := &tally{stderr: stderr, client: client, pacer: producer.NewPacer(f.rate), started: time.Now()}
	defer client.Close()

	if f.synthetic > 0 {
		if !f.seedGiven {
			f.seed = rand.Uint64()
		}
		fmt.Fprintf(stderr, "synthetic seed %d (repeat the run with --seed %d)\n", f.seed, f.seed)
		t.synthetic(ctx, f.kind, f.synthetic, producer.NewSynthetic(f.seed, time.Now))
	} else {
		t.lines(ctx, f.kind, input)
	}
	t.finish(ctx)

	elapsed := time.Since(t.started)
	if f.synthetic > 0 {
		fmt.Fprintf(stdout, "produced %d events (%d rejected) in %s: %.1f events/s\n",
			t.produced, t.rejected, elapsed.Round(time.Millisecond), float64(t.produced)/elapsed.Seconds())
	} else {
		fmt.Fprintf(stdout, "produced %d events (%d rejected)\n", t.produced, t.rejected)
	}
	switch {
	case t.readErr != nil:
		return fmt.Errorf("produce: read input: %w", t.readErr)
	case ctx.Err() != nil:
		return ctx.Err()
	case t.rejected > 0:
		return fmt.Errorf("produce: %d of %d events rejected", t.rejected, t.produced+t.rejected)
	}
	return nil
}

// tally produces events asynchronously, for throughput, and counts their
// outcomes as the acknowledgements come back.
type tally struct {
	stderr  io.Writer
	client  *producer.Client
	pacer   *producer.Pacer
	started time.Time
	wg      sync.WaitGroup
	readErr error

	mu               sync.Mutex
	produced         int64
	rejected         int64
	reportedFailures int
}

// maxSyntheticReports bounds how many failed synthetic events are printed:
// when the cluster is down every event fails the same way.
const maxSyntheticReports = 10

// lines produces one event per non-blank line of r.
func (t *tally) lines(ctx context.Context, kind string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(trimSpace(line)) > 0 {
			if perr := t.pacer.Wait(ctx); perr != nil {
				return
			}
			t.emitLine(ctx, kind, n, line)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.readErr = err
			}
			return
		}
	}
}

func (t *tally) emitLine(ctx context.Context, kind string, n int, line []byte) {
	report := func(err error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err != nil {
			t.rejected++
			fmt.Fprintf(t.stderr, "line %d: %v\n", n, err)
			return
		}
		t.produced++
	}
	t.wg.Add(1)
	done := func(err error) { report(err); t.wg.Done() }
	if kind == "workflow" {
		ev, err := producer.ParseWorkflowLine(line)
		if err != nil {
			done(err)
			return
		}
		_ = t.client.EmitWorkflowAsync(ctx, ev, done) // the outcome goes to done
		return
	}
	ev, err := producer.ParseMetadataLine(line)
	if err != nil {
		done(err)
		return
	}
	_ = t.client.EmitMetadataAsync(ctx, ev, done)
}

// synthetic produces n generated events at the pacer's rate.
func (t *tally) synthetic(ctx context.Context, kind string, n int, gen *producer.Synthetic) {
	done := func(err error) {
		t.mu.Lock()
		if err != nil {
			t.rejected++
			if t.reportedFailures < maxSyntheticReports {
				t.reportedFailures++
				fmt.Fprintf(t.stderr, "event not produced: %v\n", err)
			}
		} else {
			t.produced++
		}
		t.mu.Unlock()
		t.wg.Done()
	}
	for range n {
		if t.pacer.Wait(ctx) != nil {
			return
		}
		t.wg.Add(1)
		if kind == "workflow" {
			_ = t.client.EmitWorkflowAsync(ctx, gen.Workflow(), done)
		} else {
			_ = t.client.EmitMetadataAsync(ctx, gen.Metadata(), done)
		}
	}
}

// finish waits until every event's outcome is known. If ctx ended, Flush
// gives up at once; closing the client then fails what is still buffered, so
// the counts printed are complete either way.
func (t *tally) finish(ctx context.Context) {
	if err := t.client.Flush(ctx); err != nil {
		t.client.Close()
	}
	t.wg.Wait()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}
