package integration

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// TestDelivererKilledMidStreamLosesNothing runs the deliverer as a real
// process, kills it with SIGKILL while tasks stream in and some are being
// retried, restarts it, and counts: every (event, webhook) pair delivered at
// least once. Duplicates — requests the killed process made whose outcome it
// could not commit — are measured and reported.
func TestDelivererKilledMidStreamLosesNothing(t *testing.T) {
	env := kafkatest.Start(t)
	bin := buildHookstream(t)
	// One request in ten fails the first time, so tasks are in the tiers
	// when the kill lands.
	rcv := newReceiver(t, func(id string, n int) int {
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		if n == 1 && h.Sum32()%10 == 0 {
			return 500
		}
		return 200
	})
	const webhooks, perHook = 5, 400
	for i := range webhooks {
		wh, _ := signedWebhook(t, fmt.Sprintf("k%d", i), rcv.srv.URL)
		putWebhook(t, env, wh)
	}
	args := []string{"deliverer", "--brokers", strings.Join(env.Brokers, ","), "--registry", env.RegistryURL,
		"--topic-prefix", env.Names.Prefix, "--retry-tiers", "50ms,100ms,200ms", "--partitions", "3",
		"--group", env.Names.Prefix + "deliverer", "--secret-key", testSecretKey, "--allow-loopback-endpoints",
		"--circuit-cooldown", "200ms", "--metrics-addr", "", "--log-level", "warn"}
	first := startProcess(t, bin, args...)

	want := map[string]bool{}
	produced := make(chan error, 1)
	go func() {
		ctx := context.Background()
		for i := range perHook {
			for h := range webhooks {
				rec, id := taskRecord(t, env, fmt.Sprintf("k%d", h), fmt.Sprintf("00000000-0000-4000-8000-%06d%06d", h, i))
				want[id] = true
				env.Admin.Produce(ctx, rec, nil)
			}
			if i%10 == 9 {
				// Spread the stream out so the kill lands in it.
				if err := env.Admin.Flush(ctx); err != nil {
					produced <- err
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		produced <- env.Admin.Flush(ctx)
	}()
	kafkatest.WaitFor(t, 60*time.Second, "the first deliverer to deliver some tasks", func() error { return kafkatest.Reached(len(rcv.succeeded()), 800) })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := len(rcv.succeeded())
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	second := startProcess(t, bin, args...)
	kafkatest.WaitFor(t, 120*time.Second, "every task delivered", func() error { return kafkatest.Reached(len(rcv.succeeded()), len(want)) })

	got := rcv.succeeded()
	lost, dups := 0, 0
	for id := range want {
		switch n := got[id]; {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("killed after %d delivered; %d pairs, %d requests, %d duplicate deliveries, %d lost", killedAt, len(want), rcv.arrived(), dups, lost)
	if lost != 0 || len(got) != len(want) {
		t.Fatalf("%d of %d pairs lost (%d distinct delivered)", lost, len(want), len(got))
	}
	// SIGTERM: the deliverer drains, commits and exits cleanly.
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("deliverer after SIGTERM: %v, want exit status 0", err)
	}
}
