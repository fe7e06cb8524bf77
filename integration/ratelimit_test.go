package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// TestRateLimitedWebhooksHoldNoWorker: a thousand webhooks limited to one
// request every 1,000 s (a rate saved before the API's minimum, which the
// deliverer still honours) with three tasks each, beside a webhook without
// a limit. Each limited webhook sends its first request and then waits for
// its rate with two tasks queued; meanwhile the other webhook's tasks keep
// being delivered. A wait used to hold one of the process's --max-in-flight
// places (1,024 by default), so the 2,000 waiting tasks held them all.
func TestRateLimitedWebhooksHoldNoWorker(t *testing.T) {
	env := kafkatest.Start(t)
	const limited, perLimited, normalTasks = 1000, 3, 20
	slow := newReceiver(t, func(string, int) int { return 200 })
	fast := newReceiver(t, func(string, int) int { return 200 })
	ctx := context.Background()

	var subs []*kgo.Record
	for i := range limited {
		wh, _ := signedWebhook(t, fmt.Sprintf("limited%04d", i), slow.srv.URL)
		wh.RateLimitPerSecond = 0.001
		subs = append(subs, subscriptionRecord(t, env, wh))
	}
	normal, _ := signedWebhook(t, "normal", fast.srv.URL)
	subs = append(subs, subscriptionRecord(t, env, normal))
	if err := env.Admin.ProduceSync(ctx, subs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	d := startDeliverer(t, delivererConfig(env))
	kafkatest.WaitFor(t, 30*time.Second, "every webhook in the deliverer's table", func() error {
		var missing []string
		for i := range limited {
			if _, ok := d.Table().Get(fmt.Sprintf("limited%04d", i)); !ok {
				missing = append(missing, fmt.Sprintf("limited%04d", i))
			}
		}
		if _, ok := d.Table().Get("normal"); !ok {
			missing = append(missing, "normal")
		}
		return kafkatest.Missing(missing)
	})

	var tasks []*kgo.Record
	for n := range perLimited {
		for i := range limited {
			rec, _ := taskRecord(t, env, fmt.Sprintf("limited%04d", i), fmt.Sprintf("00000000-0000-4000-8000-%012d", n*limited+i))
			tasks = append(tasks, rec)
		}
	}
	if err := env.Admin.ProduceSync(ctx, tasks...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	kafkatest.WaitFor(t, 60*time.Second, "every limited webhook's first request", func() error { return kafkatest.Reached(slow.arrived(), limited) })

	// Every limited webhook now waits for its rate with its other tasks.
	for i := range normalTasks {
		produceTask(t, env, env.Admin, "normal", fmt.Sprintf("00000000-0000-4000-9000-%012d", i))
	}
	kafkatest.WaitFor(t, 30*time.Second, "the normal webhook's tasks delivered beside the waiting ones", func() error {
		return kafkatest.Equal(len(fast.succeeded()), normalTasks)
	})
	if n := slow.arrived(); n != limited {
		t.Errorf("the limited webhooks got %d requests, want one each (%d): the rate lets one through every 1,000 s", n, limited)
	}
}
