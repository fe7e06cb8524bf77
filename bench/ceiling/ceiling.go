// Package ceiling measures the machine's raw HTTP ceiling: Go's own
// net/http client posting signed bodies of the events' size over keep-alive
// loopback connections to the benchmark's receiver, as fast as it answers.
// A scenario's receipts over this figure, measured in the same run, say
// how close hookstream comes to what the machine can do at all, which an
// absolute figure cannot on a shared or different machine.
//
// The client runs in a process of its own (client.go), so the CPU it uses
// is read apart from the receiver's: hookstream's CPU per delivery beside
// the bare client's CPU per request is the same kind of ratio for cost.
// Read ceiling.go (the measurement), then client.go (the client process)
// and request.go (one signed request).
package ceiling

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookstream/hookstream/bench/receiver"
	"github.com/hookstream/hookstream/platform/secret"
)

// Defaults of a measurement.
const (
	// DefaultConcurrency is the requests in flight: enough connections to
	// keep both sides of a small machine busy, as the deliverer's own
	// in-flight bound does during a burst.
	DefaultConcurrency = 64
	// DefaultDuration is long enough for the figure to settle past the
	// first connections and garbage collections, short enough to precede
	// every throughput run.
	DefaultDuration = 3 * time.Second
)

// Config shapes one measurement.
type Config struct {
	// Concurrency is the number of workers, each with a request in flight
	// at a time and its own keep-alive connection.
	Concurrency int
	// Duration bounds the measured part; requests in flight when it ends
	// are finished and counted.
	Duration time.Duration
	// BodyBytes is the exact size of every POST body.
	BodyBytes int
}

// Result is one measurement.
type Result struct {
	// Requests were answered 204 within Seconds, after one warm-up request
	// per worker that opened its connection.
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	Concurrency int     `json:"concurrency"`
	BodyBytes   int     `json:"bodyBytes"`
	// Scheme is the signature every request carried.
	Scheme string `json:"scheme"`
	// ClientCPUSeconds is the CPU, user and system, the client process
	// used for the Requests: the client's share of the machine's cost of a
	// request, the receiver's left out.
	ClientCPUSeconds float64 `json:"clientCpuSeconds"`
}

// RequestsPerSecond is the ceiling.
func (r Result) RequestsPerSecond() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Seconds
}

// ClientCPUSecondsPer1k is the bare client's CPU per 1,000 requests, in the
// unit of the scenarios' CPU per 1,000 deliveries.
func (r Result) ClientCPUSecondsPer1k() float64 {
	if r.Requests <= 0 {
		return 0
	}
	return 1000 * r.ClientCPUSeconds / float64(r.Requests)
}

// Measure serves a receiver of its own (receiver.Serve, every request a
// first receipt of a distinct event, as hookstream's deliveries are) and
// has a client process (startClient) post to it for cfg.Duration. The
// program calling Measure must call RunClientIfAsked first thing in main.
func Measure(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	rcv := receiver.New(receiver.Config{Lookup: func(id string) (receiver.Event, bool) {
		// Every event its own key, as the synthetic generator's entities
		// mostly are.
		return receiver.Event{ProducedAt: start, Key: id, Seq: 1}, true
	}})
	base, srv, err := receiver.Serve(rcv)
	if err != nil {
		return Result{}, fmt.Errorf("ceiling: receiver: %w", err)
	}
	defer srv.Close()
	res, err := startClient(ctx, cfg, base+"/"+receiver.OK)
	if err != nil {
		return res, err
	}
	// Count at the server too: a request the receiver did not take as a
	// delivery (a body it could not read) would make the ceiling a figure
	// of a cheaper path than hookstream's receipts take.
	if c := rcv.Counts(); c.Delivered != res.Requests+cfg.Concurrency || c.Unexpected > 0 {
		return res, fmt.Errorf("ceiling: the receiver counted %d deliveries and %d unexpected bodies of %d requests",
			c.Delivered, c.Unexpected, res.Requests+cfg.Concurrency)
	}
	return res, nil
}

// check refuses a configuration that cannot be measured.
func (cfg Config) check() error {
	if cfg.Concurrency < 1 || cfg.Duration <= 0 || cfg.BodyBytes < minBody {
		return fmt.Errorf("ceiling: concurrency %d, duration %s and body size %d must be positive (body at least %d bytes)",
			cfg.Concurrency, cfg.Duration, cfg.BodyBytes, minBody)
	}
	return nil
}

// run posts to url, which must answer 204, with cfg.Concurrency workers:
// one warm-up request each, then as many as they can for cfg.Duration. The
// CPU it reports is its whole process's, so it runs in the client process,
// where nothing else does.
func run(ctx context.Context, cfg Config, url string) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	key, err := secret.Generate()
	if err != nil {
		return Result{}, fmt.Errorf("ceiling: secret: %w", err)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	// The default keeps two idle connections per host: the other workers
	// would dial anew on every request, and the figure would be of TCP
	// handshakes, not of requests. Idle limits alone still let a worker
	// dial while another's connection is on its way back to the pool: the
	// cap keeps the connections at one per worker.
	t.MaxIdleConns, t.MaxIdleConnsPerHost = cfg.Concurrency, cfg.Concurrency
	t.MaxConnsPerHost = cfg.Concurrency
	client := &http.Client{Transport: t}
	defer t.CloseIdleConnections()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg, warm sync.WaitGroup
		begin    = make(chan struct{})
		done     atomic.Int64
		errOnce  sync.Once
		firstErr error
		// measured is when the measured part begins, set before begin
		// closes. The workers compare against it on the monotonic clock:
		// a wall-clock deadline (UnixNano) ended a run short of its
		// Duration when the machine's clock was adjusted meanwhile.
		measured time.Time
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	warm.Add(cfg.Concurrency)
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rq := newRequests(url, key, w, cfg.BodyBytes)
			err := rq.post(ctx, client)
			warm.Done()
			if err != nil {
				fail(err)
				return
			}
			select {
			case <-begin:
			case <-ctx.Done():
				return
			}
			for time.Since(measured) < cfg.Duration {
				if err := rq.post(ctx, client); err != nil {
					fail(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	warm.Wait()
	cpuBefore := processCPU()
	measured = time.Now()
	close(begin)
	wg.Wait()
	res := Result{Requests: int(done.Load()), Seconds: time.Since(measured).Seconds(), Concurrency: cfg.Concurrency,
		BodyBytes: cfg.BodyBytes, Scheme: string(scheme), ClientCPUSeconds: (processCPU() - cpuBefore).Seconds()}
	if firstErr != nil {
		return res, fmt.Errorf("ceiling: %w", firstErr)
	}
	return res, nil
}

// post sends the worker's next request and reads the whole answer, so the
// connection goes back to the pool.
func (q *requests) post(ctx context.Context, client *http.Client) error {
	req, err := q.next(ctx)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("post: answered %s, want 204", resp.Status)
	}
	return nil
}
