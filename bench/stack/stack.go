// Package stack starts hookstream for a benchmark or a fault test: either
// `hookstream dev` as one process (the embedded default), or a broker (an
// in-process kfake, or scripts/kafka-local's real Kafka) with a Schema
// Registry in this process and router, deliverer and API as separate
// processes that can be killed and restarted.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/bench/proc"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka/fakebroker"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/schemastore"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas/registry"
)

// Kafka choices.
const (
	// Dev runs `hookstream dev`: broker, registry and every component in one
	// process.
	Dev = "dev"
	// Fake runs kfake in this process and the components as processes.
	Fake = "fake"
	// Real runs scripts/kafka-local and the components as processes.
	Real = "real"
)

// SecretKey seals the webhook secrets of a benchmark's webhooks.
const SecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// AdminToken is the API token of a benchmark.
const AdminToken = "bench-admin-token"

// ShortTiers are the benchmarks' retry tiers: short, so retries finish
// within a run, and many, so a flaky answer is retried within seconds.
const ShortTiers = "100ms,200ms,300ms,400ms,500ms,600ms,800ms,1s,2s,3s"

// Config is what to start.
type Config struct {
	Kafka string
	// Bin is the hookstream binary; Root the repository (for
	// scripts/kafka-local).
	Bin, Root string
	// Dir holds logs and data of the run.
	Dir        string
	Partitions int
	RetryTiers config.Durations
	// Routers and Deliverers are the process counts (not for Dev).
	Routers, Deliverers int
	// DelivererFlags are added to every deliverer's command line.
	DelivererFlags []string
}

// Stack is a started hookstream.
type Stack struct {
	cfg         Config
	APIURL      string
	Brokers     []string
	RegistryURL string
	Prefix      string
	// Dev is the one process of a Dev stack.
	Dev *proc.Process
	// Routers, Deliverers and API are the processes of the other kinds.
	Routers, Deliverers []*proc.Process
	API                 *proc.Process
	log                 io.Writer
	closers             []func()
	ready               map[*proc.Process]string
	// Metrics is each process's metrics address (also /debug/pprof).
	Metrics map[*proc.Process]string
}

// Processes are the hookstream processes, for CPU and memory figures.
func (s *Stack) Processes() []*proc.Process {
	if s.Dev != nil {
		return []*proc.Process{s.Dev}
	}
	ps := append(append([]*proc.Process{}, s.Routers...), s.Deliverers...)
	return append(ps, s.API)
}

// Start brings the stack up and waits until the API is ready.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(cfg.Dir, "processes.log"))
	if err != nil {
		return nil, err
	}
	s := &Stack{cfg: cfg, log: logf, ready: map[*proc.Process]string{}, Metrics: map[*proc.Process]string{}, Prefix: fmt.Sprintf("bench%d.", time.Now().UnixNano()%1e9)}
	s.closers = append(s.closers, func() { _ = logf.Close() })
	if cfg.Kafka == Dev {
		err = s.startDev(ctx)
	} else {
		err = s.startSplit(ctx)
	}
	if err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Stack) startDev(ctx context.Context) error {
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	s.APIURL = "http://" + ports[0]
	s.Brokers = []string{ports[1]}
	s.RegistryURL = "http://" + ports[2]
	s.Prefix = topic.DefaultPrefix
	p, err := proc.Start("dev", s.log, s.cfg.Bin, "dev", "--data-dir", filepath.Join(s.cfg.Dir, "data"),
		"--api-addr", ports[0], "--kafka-addr", ports[1], "--registry-addr", ports[2], "--metrics-addr", ports[3],
		"--admin-token", AdminToken, "--secret-key", SecretKey, "--partitions", fmt.Sprint(s.cfg.Partitions),
		"--retry-tiers", s.cfg.RetryTiers.String(), "--log-level", "warn")
	if err != nil {
		return err
	}
	s.Dev = p
	s.Metrics[p] = ports[3]
	s.closers = append(s.closers, func() { _ = p.Stop(30 * time.Second) })
	return waitReady(ctx, s.APIURL+"/readyz", p)
}

func (s *Stack) startSplit(ctx context.Context) error {
	if err := s.startBroker(ctx); err != nil {
		return err
	}
	if err := s.startRegistry(ctx); err != nil {
		return err
	}
	for i := range s.cfg.Routers {
		p, err := s.StartComponent(ctx, "router", i)
		if err != nil {
			return err
		}
		s.Routers = append(s.Routers, p)
	}
	for i := range s.cfg.Deliverers {
		p, err := s.StartComponent(ctx, "deliverer", i)
		if err != nil {
			return err
		}
		s.Deliverers = append(s.Deliverers, p)
	}
	p, err := s.StartComponent(ctx, "api", 0)
	if err != nil {
		return err
	}
	s.API = p
	return nil
}

func (s *Stack) startBroker(ctx context.Context) error {
	if s.cfg.Kafka == Fake {
		// The guard's removals go to the processes' log, next to the
		// components' own lines about their groups.
		cluster, err := fakebroker.Start(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, "127.0.0.1:0")
		}, slog.New(slog.NewTextHandler(s.log, nil)), kfake.NumBrokers(1))
		if err != nil {
			return fmt.Errorf("kfake: %w", err)
		}
		s.Brokers = cluster.ListenAddrs()
		s.closers = append(s.closers, cluster.Close)
		return nil
	}
	out, err := s.kafkaLocal(ctx, "start")
	if err != nil {
		return err
	}
	s.Brokers = []string{strings.TrimSpace(out)}
	s.closers = append(s.closers, s.deleteTopics)
	return nil
}

// RestartBroker stops and starts the real broker (scripts/kafka-local).
func (s *Stack) RestartBroker(ctx context.Context) error {
	if s.cfg.Kafka != Real {
		return errors.New("only a real broker can be restarted")
	}
	if _, err := s.kafkaLocal(ctx, "stop"); err != nil {
		return err
	}
	_, err := s.kafkaLocal(ctx, "start")
	return err
}

func (s *Stack) kafkaLocal(ctx context.Context, arg string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.cfg.Root, "scripts", "kafka-local"), arg)
	cmd.Stderr = s.log
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/kafka-local %s: %w", arg, err)
	}
	return string(out), nil
}

// deleteTopics removes the run's topics from a real broker, which outlives
// the run.
func (s *Stack) deleteTopics() {
	client, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers...))
	if err != nil {
		return
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(client)
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		return
	}
	var mine []string
	for _, name := range topics.Names() {
		if strings.HasPrefix(name, s.Prefix) {
			mine = append(mine, name)
		}
	}
	_, _ = adm.DeleteTopics(ctx, mine...)
}

func (s *Stack) startRegistry(ctx context.Context) error {
	client, err := kgo.NewClient(kgo.SeedBrokers(s.Brokers...))
	if err != nil {
		return err
	}
	s.closers = append(s.closers, client.Close)
	names := topic.NewNames(s.Prefix, nil)
	for _, spec := range names.Specs(1) {
		if spec.Name == names.Schemas {
			if err := provision.Topics(ctx, kadm.NewClient(client), []topic.Spec{spec}, -1); err != nil {
				return err
			}
		}
	}
	reg, err := registry.New(ctx, schemastore.New(client, names.Schemas, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.closers = append(s.closers, func() { _ = srv.Close() })
	s.RegistryURL = "http://" + ln.Addr().String()
	return nil
}

// StartComponent starts router, deliverer or api number i and waits until
// it is ready.
func (s *Stack) StartComponent(ctx context.Context, role string, i int) (*proc.Process, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	args := []string{s.cfg.Bin, role, "--brokers", strings.Join(s.Brokers, ","), "--registry", s.RegistryURL,
		"--topic-prefix", s.Prefix, "--retry-tiers", s.cfg.RetryTiers.String(), "--partitions", fmt.Sprint(s.cfg.Partitions),
		"--metrics-addr", ports[0], "--log-level", "warn", "--client-id", fmt.Sprintf("%s%s-%d", s.Prefix, role, i)}
	ready := "http://" + ports[0] + "/readyz"
	switch role {
	case "router":
		args = append(args, "--group", s.Prefix+"router", "--transactional-id", fmt.Sprintf("%srouter-%d", s.Prefix, i))
	case "deliverer":
		args = append(args, "--group", s.Prefix+"deliverer", "--secret-key", SecretKey, "--allow-loopback-endpoints")
		args = append(args, s.cfg.DelivererFlags...)
	case "api":
		args = append(args, "--addr", ports[1], "--admin-token", AdminToken, "--secret-key", SecretKey, "--allow-loopback-endpoints")
		s.APIURL = "http://" + ports[1]
	}
	p, err := proc.Start(fmt.Sprintf("%s-%d", role, i), s.log, args...)
	if err != nil {
		return nil, err
	}
	s.ready[p] = ready
	s.Metrics[p] = ports[0]
	s.closers = append(s.closers, func() { _ = p.Stop(30 * time.Second) })
	return p, waitReady(ctx, ready, p)
}

// Restart kills p with SIGKILL, starts it again and waits until it is
// ready.
func (s *Stack) Restart(ctx context.Context, p *proc.Process) error {
	if err := p.Restart(); err != nil {
		return err
	}
	return waitReady(ctx, s.ready[p], p)
}

// Stop ends what Start started, newest first.
func (s *Stack) Stop() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// waitReady polls url until it answers 200, p exits, or ctx ends.
func waitReady(ctx context.Context, url string, p *proc.Process) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if exited, err := p.Exited(); exited {
			return fmt.Errorf("%s exited before it was ready: %v (see processes.log)", p.Name, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s: %w", p.Name, url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePorts reserves n loopback addresses by listening and closing.
func freePorts(n int) ([]string, error) {
	var addrs []string
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}
