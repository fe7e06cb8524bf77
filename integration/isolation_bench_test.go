package integration

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// BenchmarkDeadEndpointIsolation measures what nine healthy endpoints get
// through the deliverer alone, and beside a tenth that never answers (1 s
// timeout) on the same partitions. Compare healthy-deliveries/s of the two:
//
//	go test -run XXX -bench DeadEndpointIsolation -benchtime 3x ./integration/
func BenchmarkDeadEndpointIsolation(b *testing.B) {
	for _, withDead := range []bool{false, true} {
		name := "healthy-only"
		if withDead {
			name = "with-dead-endpoint"
		}
		b.Run(name, func(b *testing.B) { benchIsolation(b, withDead) })
	}
}

func benchIsolation(b *testing.B, withDead bool) {
	const healthyHooks, perHook = 9, 300
	env := kafkatest.Start(b)
	hang := make(chan struct{})
	dead := newReceiver(b, func(string, int) int { <-hang; return 200 })
	// After newReceiver's cleanup in registration, so it runs first: the
	// server's Close waits for the hanging handlers.
	b.Cleanup(func() { close(hang) })
	healthy := newReceiver(b, func(string, int) int { return 200 })
	hooks := []string{}
	for i := range healthyHooks {
		wh, _ := signedWebhook(b, fmt.Sprintf("ok%d", i), healthy.srv.URL)
		putWebhook(b, env, wh)
		hooks = append(hooks, wh.ID)
	}
	if withDead {
		wh, _ := signedWebhook(b, "dead", dead.srv.URL)
		wh.TimeoutSeconds = 1
		putWebhook(b, env, wh)
		hooks = append(hooks, wh.ID)
	}
	startDeliverer(b, delivererConfig(env))
	b.ResetTimer()
	var elapsed time.Duration
	for iter := range b.N {
		start := time.Now()
		for i := range perHook {
			for _, h := range hooks {
				rec, _ := taskRecord(b, env, h, fmt.Sprintf("%08d-0000-4000-8000-%012d", iter, i))
				env.Admin.Produce(b.Context(), rec, nil)
			}
		}
		if err := env.Admin.Flush(b.Context()); err != nil {
			b.Fatal(err)
		}
		want := (iter + 1) * healthyHooks * perHook
		kafkatest.WaitFor(b, 120*time.Second, "every healthy task delivered", func() error { return kafkatest.Reached(len(healthy.succeeded()), want) })
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(b.N*healthyHooks*perHook)/elapsed.Seconds(), "healthy-deliveries/s")
}
