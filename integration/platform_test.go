package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/hookstream/hookstream/deliverer/deliver"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// runDeliverer runs a deliverer until stop, which waits for it to end.
func runDeliverer(t *testing.T, cfg deliver.Config, reg prometheus.Registerer) (stop func()) {
	t.Helper()
	d, err := deliver.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("deliverer: %v", err)
		}
	}
	t.Cleanup(stop)
	select {
	case <-d.Ready():
	case err := <-done:
		t.Fatalf("deliverer stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("deliverer not ready in 60s")
	}
	return stop
}

// groupCommits are the offsets the deliverer group committed.
func groupCommits(t *testing.T, env *kafkatest.Env, group string) kadm.OffsetResponses {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	committed, err := kadm.NewClient(env.Admin).FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		// A group that never committed does not exist (kfake says so;
		// Kafka answers with no offsets).
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return committed
}

// groupMembers counts the members of a consumer group (0 when it does not
// exist).
func groupMembers(t *testing.T, env *kafkatest.Env, group string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	described, err := kadm.NewClient(env.Admin).DescribeGroups(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := described[group]
	if !ok || errors.Is(g.Err, kerr.GroupIDNotFound) {
		return 0
	}
	if g.Err != nil {
		t.Fatal(g.Err)
	}
	return len(g.Members)
}

// TestWebhooksDisabledSendNothingAndLoseNothing: with --webhooks-enabled
// false the router goes on routing, the deliverer sends nothing and commits
// nothing; restarted with it true, it delivers every task that waited.
func TestWebhooksDisabledSendNothingAndLoseNothing(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 200 })
	wh, _ := signedWebhook(t, "paused", rcv.srv.URL+"/hook")
	putWebhook(t, env, wh)
	tasks := watchTasks(t, env)
	startRouter(t, env)

	off := delivererConfig(env)
	off.Webhooks.Enabled = false
	reg := prometheus.NewRegistry()
	stop := runDeliverer(t, off, reg)
	if v := gaugeValue(t, reg, "hookstream_deliverer_webhooks_enabled"); v != 0 {
		t.Errorf("hookstream_deliverer_webhooks_enabled = %v with webhooks off", v)
	}
	const n = 20
	for i := range n {
		produceValue(t, env, env.Names.MetadataChanges, fmt.Sprintf("e%d", i), metaEvent(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "entityCreated", "table"))
	}
	kafkatest.WaitFor(t, 60*time.Second, "every event routed to a task", func() error { return kafkatest.Equal(tasks.len(), n) })
	// The router's commit of the last event follows the tasks it wrote; by
	// then a deliverer that fetched would long have sent the first.
	waitRouted(t, env)
	// A deliverer that fetched would be a member of its group: no member
	// means nothing was fetched, so nothing can be sent later either.
	if members := groupMembers(t, env, off.Group); members != 0 {
		t.Fatalf("the deliverer group has %d members with webhooks off", members)
	}
	if got := rcv.arrived(); got != 0 {
		t.Fatalf("%d requests with webhooks off", got)
	}
	if c := groupCommits(t, env, off.Group); len(c) != 0 {
		var parts []string
		c.Each(func(o kadm.OffsetResponse) {
			parts = append(parts, fmt.Sprintf("%s/%d@%d", o.Topic, o.Partition, o.At))
		})
		t.Fatalf("the deliverer group committed %v with webhooks off", parts)
	}
	stop()

	on := delivererConfig(env)
	runDeliverer(t, on, prometheus.NewRegistry())
	kafkatest.WaitFor(t, 60*time.Second, "every waiting task delivered", func() error { return kafkatest.Equal(len(rcv.succeeded()), n) })
	all, _ := tasks.snapshot()
	got := rcv.succeeded()
	for _, task := range all {
		if got[task.DeliveryID] == 0 {
			t.Errorf("task %s not delivered", task.DeliveryID)
		}
	}
}

// TestDelivererCutsTimeoutToMax: a webhook stored with a timeout above
// --max-timeout is given up on at the cap.
func TestDelivererCutsTimeoutToMax(t *testing.T) {
	env := kafkatest.Start(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first: only then does the server see the client
		// give up and end the request's context.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	wh, _ := signedWebhook(t, "slow", slow.URL)
	wh.TimeoutSeconds, wh.MaxAttempts = 30, 1
	putWebhook(t, env, wh)
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	cfg := delivererConfig(env)
	cfg.Webhooks.MaxTimeout = time.Second
	startDeliverer(t, cfg)
	start := time.Now()
	produceTask(t, env, env.Admin, "slow", "00000000-0000-4000-8000-0000000000c1")
	kafkatest.WaitFor(t, 20*time.Second, "the attempt to time out", func() error { return kafkatest.Equal(len(attempts.snapshot()), 1) })
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the attempt ended after %v: the stored 30s timeout was not cut to 1s", took)
	}
	if a := attempts.snapshot()[0]; !strings.Contains(a.Error, "timeout") {
		t.Errorf("attempt %+v is not a timeout", a)
	}
}

// gaugeValue is the value of the one-series gauge name in reg.
func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
