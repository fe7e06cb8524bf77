package integration

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// TestGuardRefusalIsDeadLetteredAfterOneAttempt: a destination refused by
// the guard (a name that resolves to loopback, refused at dial time), by
// the deny-list (a literal address, refused before any connection) or by
// the allow-list cannot be cured by retrying. Each task makes one attempt,
// recorded with the reason, and goes to dead letters without a tier; the
// receiver is never reached.
func TestGuardRefusalIsDeadLetteredAfterOneAttempt(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 200 })
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":")+1:]
	refusals := map[string]struct{ url, reason string }{
		"guarded":  {"http://localhost:" + port + "/hook", "loopback address"},
		"denied":   {"http://93.184.216.34/hook", "in deny-listed 93.184.216.0/24"},
		"unlisted": {"http://localhost:" + port + "/elsewhere", "matches no allowed URL regex"},
	}
	for id, r := range refusals {
		wh, _ := signedWebhook(t, id, r.url)
		putWebhook(t, env, wh)
	}
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	letters := collect[schemas.DeadLetter](t, env, env.Names.DeadLetters)
	cfg := delivererConfig(env)
	cfg.AllowLoopbackEndpoints = false
	cfg.DenyCIDRs = config.List{"93.184.216.0/24"}
	cfg.AllowedURLs = config.Repeated{`http://localhost:\d+/hook`, `http://93\.184\.216\.34/hook`}
	d := startDeliverer(t, cfg)
	kafkatest.WaitFor(t, 10*time.Second, "the webhooks in the table", func() error {
		var missing []string
		for id := range refusals {
			if _, ok := d.Table().Get(id); !ok {
				missing = append(missing, id)
			}
		}
		return kafkatest.Missing(missing)
	})
	n := 0
	for id := range refusals {
		produceTask(t, env, env.Admin, id, fmt.Sprintf("00000000-0000-4000-8000-0000000007%02d", n))
		n++
	}
	of := func(id string) (a []schemas.DeliveryAttempt, dl []schemas.DeadLetter) {
		for _, v := range attempts.snapshot() {
			if v.WebhookID == id {
				a = append(a, v)
			}
		}
		for _, v := range letters.snapshot() {
			if v.Task.WebhookID == id {
				dl = append(dl, v)
			}
		}
		return a, dl
	}
	kafkatest.WaitFor(t, 30*time.Second, "an attempt and a dead letter for every refused task", func() error {
		var errs []error
		for id := range refusals {
			a, dl := of(id)
			errs = append(errs, kafkatest.Named(id+" attempts", kafkatest.Reached(len(a), 1)), kafkatest.Named(id+" dead letters", kafkatest.Reached(len(dl), 1)))
		}
		return errors.Join(errs...)
	})
	for id, r := range refusals {
		a, dl := of(id)
		if len(a) != 1 || a[0].Outcome != "deadLettered" || a[0].StatusCode != 0 || !strings.Contains(a[0].Error, r.reason) {
			t.Errorf("%s: %d attempts, the first %s with status %d and error %q; want one, deadLettered, its error naming %q",
				id, len(a), a[0].Outcome, a[0].StatusCode, a[0].Error, r.reason)
		}
		if len(dl) != 1 || dl[0].Attempts != 1 || !strings.Contains(dl[0].Reason, r.reason) {
			t.Errorf("%s: %d dead letters, the first after attempt %d with reason %q; want one after attempt 1, naming %q",
				id, len(dl), dl[0].Attempts, dl[0].Reason, r.reason)
		}
	}
	if n := rcv.arrived(); n != 0 {
		t.Errorf("the receiver got %d requests through a guard that refuses them", n)
	}
}
