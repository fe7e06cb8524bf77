package integration

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// TestInFlightBoundHoldsAcrossEndpoints: twenty endpoints with work and a
// process bound of three requests. The endpoints take turns for the three
// places (each may use up to four): the receiver never sees more than three
// requests at once, sees three while it holds them, and every task arrives.
func TestInFlightBoundHoldsAcrossEndpoints(t *testing.T) {
	env := kafkatest.Start(t)
	const bound, hooks, perHook = 3, 20, 5
	var mu sync.Mutex
	current, most := 0, 0
	gate := make(chan struct{})
	var gateOnce sync.Once
	open := func() { gateOnce.Do(func() { close(gate) }) }
	// Before the cleanups: the receiver's Close waits for held requests.
	defer open()
	rcv := newReceiver(t, func(string, int) int {
		mu.Lock()
		current++
		most = max(most, current)
		mu.Unlock()
		<-gate
		mu.Lock()
		current--
		mu.Unlock()
		return 200
	})
	for h := range hooks {
		wh, _ := signedWebhook(t, fmt.Sprintf("wide%02d", h), rcv.srv.URL)
		putWebhook(t, env, wh)
	}
	cfg := delivererConfig(env)
	cfg.MaxInFlight, cfg.MaxInFlightPerEndpoint = bound, 4
	d := startDeliverer(t, cfg)
	kafkatest.WaitFor(t, 10*time.Second, "every webhook in the table", func() error {
		if _, ok := d.Table().Get(fmt.Sprintf("wide%02d", hooks-1)); !ok {
			return kafkatest.Missing([]string{fmt.Sprintf("wide%02d", hooks-1)})
		}
		return nil
	})
	for i := range perHook {
		for h := range hooks {
			produceTask(t, env, env.Admin, fmt.Sprintf("wide%02d", h), fmt.Sprintf("00000000-0000-4000-8000-0000000%02d%03d", h, i))
		}
	}
	kafkatest.WaitFor(t, 30*time.Second, "the bound's requests held at the receiver", func() error {
		mu.Lock()
		defer mu.Unlock()
		return kafkatest.Reached(current, bound)
	})
	open()
	kafkatest.WaitFor(t, 60*time.Second, "every task delivered", func() error { return kafkatest.Equal(len(rcv.succeeded()), hooks*perHook) })
	mu.Lock()
	defer mu.Unlock()
	if most > bound {
		t.Errorf("%d requests in flight at once, the bound is %d", most, bound)
	}
}
