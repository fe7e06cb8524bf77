package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/router/route"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

func routerConfig(env *kafkatest.Env, instance string) route.Config {
	return route.Config{
		Common: config.Common{
			Brokers: env.Brokers, Registry: env.RegistryURL, TopicPrefix: env.Names.Prefix,
			RetryTiers: kafkatest.Tiers, Partitions: int(env.Partitions), LogLevel: "warn", ClientID: "it-router",
		},
		Group: env.Names.Prefix + "router", TransactionalID: env.Names.Prefix + "router-" + instance,
	}
}

// startRouter runs a router in process until the test ends.
func startRouter(t *testing.T, env *kafkatest.Env) *route.Router {
	t.Helper()
	r, _ := startRouterInstance(t, env, "1")
	return r
}

// startRouterInstance runs one of several routers of a group; stop ends it.
func startRouterInstance(t *testing.T, env *kafkatest.Env, instance string) (r *route.Router, stop func()) {
	t.Helper()
	r = route.New(routerConfig(env, instance), slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("router %s: %v", instance, err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-r.Ready():
	case err := <-done:
		t.Fatalf("router stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("router not ready in 60s")
	}
	return r, stop
}

func putWebhook(t testing.TB, env *kafkatest.Env, s schemas.Subscription) {
	t.Helper()
	if err := env.Admin.ProduceSync(context.Background(), subscriptionRecord(t, env, s)).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// subscriptionRecord is s, enabled, as the control API would write it.
func subscriptionRecord(t testing.TB, env *kafkatest.Env, s schemas.Subscription) *kgo.Record {
	t.Helper()
	s.Enabled = true
	if s.CreatedAt.IsZero() {
		s.CreatedAt, s.UpdatedAt = time.Now().UTC(), time.Now().UTC()
	}
	b, err := env.Serde.Encode(&s)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: env.Names.Subscriptions, Key: []byte(s.ID), Value: b}
}

func produceValue(t *testing.T, env *kafkatest.Env, topicName, key string, v any) {
	t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = env.Serde.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.Admin.ProduceSync(context.Background(), &kgo.Record{Topic: topicName, Key: []byte(key), Value: b}).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func metaEvent(id, eventType, entityType string) *schemas.MetadataChangeEvent {
	return &schemas.MetadataChangeEvent{
		EventID: id, EventType: eventType, Timestamp: time.Now().UnixMilli(),
		Entity: schemas.Entity{ID: "ent-" + id, Type: entityType, Name: "n", Tags: []string{}, CustomMetadata: map[string]string{}},
	}
}

// tasks reads the committed delivery tasks as they arrive.
type tasks struct {
	mu    sync.Mutex
	all   []schemas.DeliveryTask
	count map[string]int // deliveryId -> times seen
}

func (ts *tasks) snapshot() ([]schemas.DeliveryTask, map[string]int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	c := make(map[string]int, len(ts.count))
	for k, v := range ts.count {
		c[k] = v
	}
	return append([]schemas.DeliveryTask(nil), ts.all...), c
}

func (ts *tasks) len() int { ts.mu.Lock(); defer ts.mu.Unlock(); return len(ts.all) }

// watchTopic calls onValue with every committed record of topicName,
// decoded, until the test ends.
func watchTopic[T any](t *testing.T, env *kafkatest.Env, topicName string, onValue func(T)) {
	t.Helper()
	watchRaw(t, env, topicName, func(r *kgo.Record) {
		var v T
		if err := env.Serde.Decode(context.Background(), r.Value, &v); err != nil {
			t.Errorf("decode %s: %v", topicName, err)
			return
		}
		onValue(v)
	})
}

func watchTasks(t *testing.T, env *kafkatest.Env) *tasks {
	ts := &tasks{count: map[string]int{}}
	watchTopic(t, env, env.Names.Deliveries, func(task schemas.DeliveryTask) {
		ts.mu.Lock()
		ts.all = append(ts.all, task)
		ts.count[task.DeliveryID]++
		ts.mu.Unlock()
	})
	return ts
}

func TestRoutingEndToEnd(t *testing.T) {
	env := kafkatest.Start(t)
	putWebhook(t, env, schemas.Subscription{ID: "tables", Global: true, EventTypes: []string{"entityCreated"}, Filters: schemas.Filters{EntityTypes: []string{"table"}}})
	putWebhook(t, env, schemas.Subscription{ID: "failures", Global: true, EventTypes: []string{"workflowFailed"}})
	r := startRouter(t, env)
	kafkatest.WaitFor(t, 10*time.Second, "webhooks in the table", func() error { all, _ := r.Table().All(); return kafkatest.Equal(len(all), 2) })
	ts := watchTasks(t, env)
	var rejected []schemas.RejectedRecord
	var mu sync.Mutex
	watchTopic(t, env, env.Names.Rejected, func(rr schemas.RejectedRecord) { mu.Lock(); rejected = append(rejected, rr); mu.Unlock() })

	produceValue(t, env, env.Names.MetadataChanges, "x", []byte("garbage, not avro"))
	produceValue(t, env, env.Names.MetadataChanges, "a", metaEvent("00000000-0000-4000-8000-00000000000a", "entityCreated", "table"))
	produceValue(t, env, env.Names.MetadataChanges, "b", metaEvent("00000000-0000-4000-8000-00000000000b", "entityCreated", "column"))
	wf := &schemas.WorkflowCompletionEvent{EventID: "00000000-0000-4000-8000-0000000000c0", StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z",
		WorkflowID: "wf", RunID: "r1", WorkflowName: "nightly", Status: "failed", FailedSteps: []string{"extract"}, RunningSteps: []string{}, LastThreeRuns: []string{}, PotentialIssues: []string{}}
	produceValue(t, env, env.Names.WorkflowCompletion, "wf", wf)
	ok := *wf
	ok.EventID, ok.Status = "00000000-0000-4000-8000-0000000000c1", "succeeded"
	produceValue(t, env, env.Names.WorkflowCompletion, "wf", &ok)

	kafkatest.WaitFor(t, 30*time.Second, "two tasks and one rejected record", func() error {
		mu.Lock()
		defer mu.Unlock()
		return errors.Join(kafkatest.Named("tasks", kafkatest.Reached(ts.len(), 2)), kafkatest.Named("rejected records", kafkatest.Reached(len(rejected), 1)))
	})
	// Let any wrong extra task show up: wait until the router committed
	// every event it was given.
	waitRouted(t, env)
	all, counts := ts.snapshot()
	if len(all) != 2 {
		t.Fatalf("tasks %+v", all)
	}
	byHook := map[string]schemas.DeliveryTask{}
	for _, task := range all {
		byHook[task.WebhookID] = task
	}
	if task := byHook["tables"]; task.EventID != "00000000-0000-4000-8000-00000000000a" || task.EventType != "entityCreated" ||
		task.DeliveryID != source.DeliveryID(task.EventID, "tables") || task.Attempt != 1 || !strings.Contains(task.Event, `"type":"table"`) {
		t.Errorf("table task %+v", task)
	}
	if task := byHook["failures"]; task.EventType != "workflowFailed" || !strings.Contains(task.Event, `"failedSteps":["extract"]`) {
		t.Errorf("workflow task %+v", task)
	}
	for id, n := range counts {
		if n != 1 {
			t.Errorf("task %s seen %d times", id, n)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if rr := rejected[0]; rr.Topic != env.Names.MetadataChanges || string(rr.Value) != "garbage, not avro" || rr.Reason == "" || rr.Component != "router" {
		t.Errorf("rejected %+v", rr)
	}
}

func TestEventBeforeWebhookIsNotDelivered(t *testing.T) {
	env := kafkatest.Start(t)
	putWebhook(t, env, schemas.Subscription{ID: "early", Global: true, EventTypes: []string{"*"}})
	r := startRouter(t, env)
	ts := watchTasks(t, env)
	produceValue(t, env, env.Names.MetadataChanges, "a", metaEvent("00000000-0000-4000-8000-000000000001", "entityCreated", "table"))
	kafkatest.WaitFor(t, 30*time.Second, "the first event routed", func() error { return kafkatest.Equal(ts.len(), 1) })

	putWebhook(t, env, schemas.Subscription{ID: "late", Global: true, EventTypes: []string{"*"}})
	kafkatest.WaitFor(t, 10*time.Second, "the new webhook in the router's table", func() error {
		if _, ok := r.Table().Get("late"); !ok {
			return kafkatest.Missing([]string{"late"})
		}
		return nil
	})
	produceValue(t, env, env.Names.MetadataChanges, "a", metaEvent("00000000-0000-4000-8000-000000000002", "entityUpdated", "table"))
	kafkatest.WaitFor(t, 30*time.Second, "the second event routed to both", func() error { return kafkatest.Equal(ts.len(), 3) })
	waitRouted(t, env)
	all, _ := ts.snapshot()
	for _, task := range all {
		if task.WebhookID == "late" && task.EventID != "00000000-0000-4000-8000-000000000002" {
			t.Errorf("the late webhook got an event from before it existed: %+v", task)
		}
	}
}

// waitRouted waits until the router group has committed every event offset.
func waitRouted(t *testing.T, env *kafkatest.Env) {
	t.Helper()
	adm := kadm.NewClient(env.Admin)
	kafkatest.WaitFor(t, 60*time.Second, "the router to commit every event", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ends, err := adm.ListEndOffsets(ctx, env.Names.MetadataChanges, env.Names.WorkflowCompletion)
		if err != nil {
			return fmt.Errorf("list end offsets: %w", err)
		}
		committed, err := adm.FetchOffsets(ctx, env.Names.Prefix+"router")
		if err != nil {
			return fmt.Errorf("fetch the router's offsets: %w", err)
		}
		var behind []string
		ends.Each(func(o kadm.ListedOffset) {
			if o.Offset == 0 {
				return
			}
			c, ok := committed.Lookup(o.Topic, o.Partition)
			switch {
			case !ok:
				behind = append(behind, fmt.Sprintf("%s/%d nothing committed of %d", o.Topic, o.Partition, o.Offset))
			case c.At < o.Offset:
				behind = append(behind, fmt.Sprintf("%s/%d committed %d of %d", o.Topic, o.Partition, c.At, o.Offset))
			}
		})
		if len(behind) > 0 {
			return fmt.Errorf("behind: %s", strings.Join(behind, "; "))
		}
		return nil
	})
}

// TestRouterKilledMidStreamRoutesExactlyOnce runs the router as a real
// process, kills it with SIGKILL while it routes, restarts it, and counts the
// committed tasks: exactly one per (event, webhook).
func TestRouterKilledMidStreamRoutesExactlyOnce(t *testing.T) {
	env := kafkatest.Start(t)
	bin := buildHookstream(t)
	const webhooks, events = 3, 1500
	for i := range webhooks {
		putWebhook(t, env, schemas.Subscription{ID: fmt.Sprintf("w%d", i), Global: true, EventTypes: []string{"*"}})
	}
	ts := watchTasks(t, env)
	cfg := routerConfig(env, "proc")
	args := []string{"router", "--brokers", strings.Join(env.Brokers, ","), "--registry", env.RegistryURL,
		"--topic-prefix", env.Names.Prefix, "--retry-tiers", "50ms,100ms,200ms", "--partitions", "3",
		"--group", cfg.Group, "--transactional-id", cfg.TransactionalID, "--metrics-addr", "", "--log-level", "warn"}
	first := startProcess(t, bin, args...)

	// Produce in the background so the kill lands mid-stream.
	produced := make(chan error, 1)
	go func() {
		ctx := context.Background()
		for i := range events {
			ev := metaEvent(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "entityCreated", "table")
			b, err := env.Serde.Encode(ev)
			if err != nil {
				produced <- err
				return
			}
			env.Admin.Produce(ctx, &kgo.Record{Topic: env.Names.MetadataChanges, Key: []byte(ev.Entity.ID), Value: b}, nil)
		}
		produced <- env.Admin.Flush(ctx)
	}()
	kafkatest.WaitFor(t, 60*time.Second, "the first router to route some events", func() error { return kafkatest.Reached(ts.len(), 300) })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := ts.len()
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	second := startProcess(t, bin, args...)
	defer func() { _ = second.Process.Signal(syscall.SIGTERM); _ = second.Wait() }()
	kafkatest.WaitFor(t, 120*time.Second, "every task", func() error { return kafkatest.Reached(ts.len(), webhooks*events) })
	waitRouted(t, env)
	all, counts := ts.snapshot()
	dups := 0
	for _, n := range counts {
		dups += n - 1
	}
	t.Logf("killed after %d tasks; %d tasks committed, %d distinct, %d duplicates", killedAt, len(all), len(counts), dups)
	if len(counts) != webhooks*events || dups != 0 {
		t.Fatalf("want exactly %d distinct tasks and no duplicate, have %d distinct, %d duplicates", webhooks*events, len(counts), dups)
	}
}

var buildOnce struct {
	sync.Once
	path string
	err  error
}

// buildHookstream builds the binary once per test run.
func buildHookstream(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hookstream-it-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "hookstream")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, "github.com/hookstream/hookstream/cmd/hookstream").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func startProcess(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &testWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// testWriter passes a child's log lines to the test log.
type testWriter struct {
	t  *testing.T
	mu sync.Mutex
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Logf("child: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestTwoRoutersSplitPartitionsAndRebalanceSafely adds a second router to the
// group mid-stream, then stops the first: every task exactly once.
func TestTwoRoutersSplitPartitionsAndRebalanceSafely(t *testing.T) {
	env := kafkatest.Start(t)
	putWebhook(t, env, schemas.Subscription{ID: "all", Global: true, EventTypes: []string{"*"}})
	ts := watchTasks(t, env)
	_, stopFirst := startRouterInstance(t, env, "a")
	const events = 900
	produce := func(from, to int) {
		for i := from; i < to; i++ {
			produceValue(t, env, env.Names.MetadataChanges, fmt.Sprintf("k%d", i), metaEvent(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "entityCreated", "table"))
		}
	}
	produce(0, 300)
	startRouterInstance(t, env, "b")
	adm := kadm.NewClient(env.Admin)
	kafkatest.WaitFor(t, 60*time.Second, "two members in the router group", func() error {
		groups, err := adm.DescribeGroups(context.Background(), env.Names.Prefix+"router")
		if err != nil {
			return fmt.Errorf("describe the router group: %w", err)
		}
		g := groups[env.Names.Prefix+"router"]
		if g.State != "Stable" || len(g.Members) != 2 {
			return fmt.Errorf("group %q with %d members", g.State, len(g.Members))
		}
		return nil
	})
	produce(300, 600)
	stopFirst()
	produce(600, events)
	kafkatest.WaitFor(t, 90*time.Second, "every task", func() error { return kafkatest.Reached(ts.len(), events) })
	waitRouted(t, env)
	_, counts := ts.snapshot()
	for id, n := range counts {
		if n != 1 {
			t.Errorf("task %s committed %d times", id, n)
		}
	}
	if len(counts) != events {
		t.Fatalf("%d distinct tasks, want %d", len(counts), events)
	}
}

// TestDeletedAndFailedWebhooksGetNothing: a tombstone in the subscriptions
// topic deletes, a failed status in the status topic stops routing.
func TestDeletedAndFailedWebhooksGetNothing(t *testing.T) {
	env := kafkatest.Start(t)
	for _, id := range []string{"deleted", "failed", "healthy"} {
		putWebhook(t, env, schemas.Subscription{ID: id, Global: true, EventTypes: []string{"*"}})
	}
	r := startRouter(t, env)
	ctx := context.Background()
	if err := env.Admin.ProduceSync(ctx, &kgo.Record{Topic: env.Names.Subscriptions, Key: []byte("deleted")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	produceValue(t, env, env.Names.SubscriptionStatus, "failed", &schemas.SubscriptionStatus{WebhookID: "failed", Status: "failed", ConsecutiveFailures: 23, UpdatedAt: time.Now().UTC()})
	kafkatest.WaitFor(t, 10*time.Second, "the tombstone and the status applied", func() error {
		_, stillThere := r.Table().Get("deleted")
		w, _ := r.Table().Get("failed")
		return errors.Join(kafkatest.Named("the deleted webhook in the table", kafkatest.Equal(stillThere, false)), kafkatest.Named("the failed webhook's state", kafkatest.Equal(w.State(), "failed")))
	})
	ts := watchTasks(t, env)
	produceValue(t, env, env.Names.MetadataChanges, "a", metaEvent("00000000-0000-4000-8000-000000000001", "entityCreated", "table"))
	kafkatest.WaitFor(t, 30*time.Second, "the event routed", func() error { return kafkatest.Reached(ts.len(), 1) })
	waitRouted(t, env)
	all, _ := ts.snapshot()
	if len(all) != 1 || all[0].WebhookID != "healthy" {
		t.Fatalf("tasks %+v, want one for the healthy webhook", all)
	}
}
