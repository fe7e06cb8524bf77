package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

// TestFlakyEndpointSucceedsOnThirdAttempt runs the whole path — event,
// router, deliverer — against an endpoint that fails twice: three signed
// requests with one webhook-id, through the deliveries topic and two tiers.
func TestFlakyEndpointSucceedsOnThirdAttempt(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(_ string, n int) int {
		if n < 3 {
			return 503
		}
		return 200
	})
	wh, sec := signedWebhook(t, "flaky", rcv.srv.URL+"/hook")
	wh.Headers = map[string]string{"Authorization": "Bearer endpoint-token"}
	rcv.secrets = []string{sec}
	putWebhook(t, env, wh)
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	statuses := collect[schemas.SubscriptionStatus](t, env, env.Names.SubscriptionStatus)
	startRouter(t, env)
	startDeliverer(t, delivererConfig(env))

	const eventID = "00000000-0000-4000-8000-0000000000f1"
	produceValue(t, env, env.Names.MetadataChanges, "e", metaEvent(eventID, "entityCreated", "table"))
	kafkatest.WaitFor(t, 60*time.Second, "three attempts recorded", func() error { return kafkatest.Reached(len(attempts.snapshot()), 3) })

	got := rcv.deliveries()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	want := source.DeliveryID(eventID, "flaky")
	for i, d := range got {
		if d.id != want || !d.signedOK || d.userAgent != "hookstream/test" {
			t.Errorf("request %d: webhook-id %q (want %q), signature ok %v, user agent %q", i+1, d.id, want, d.signedOK, d.userAgent)
		}
		var body map[string]any
		if err := json.Unmarshal(d.body, &body); err != nil || body["webhookId"] != "flaky" || body["eventId"] != eventID {
			t.Errorf("request %d body %s", i+1, d.body)
		}
	}
	// Each retry waits out its tier: 50 ms, then 100 ms.
	if gap := got[1].at.Sub(got[0].at); gap < 50*time.Millisecond {
		t.Errorf("second attempt %s after the first, before its tier's 50ms", gap)
	}
	if gap := got[2].at.Sub(got[1].at); gap < 100*time.Millisecond {
		t.Errorf("third attempt %s after the second, before its tier's 100ms", gap)
	}
	recs := attempts.snapshot()
	wantTiers := []string{"deliveries", "retry.50ms", "retry.100ms"}
	wantOutcomes := []string{"retry", "retry", "success"}
	for i, a := range recs {
		if a.Attempt != int32(i+1) || a.Tier != wantTiers[i] || a.Outcome != wantOutcomes[i] || a.DeliveryID != want {
			t.Errorf("attempt record %d: attempt %d tier %s outcome %s delivery %s", i+1, a.Attempt, a.Tier, a.Outcome, a.DeliveryID)
		}
		if h := a.RequestHeaders["Authorization"]; h != "[redacted]" {
			t.Errorf("attempt record %d keeps Authorization %q", i+1, h)
		}
		if strings.Contains(fmt.Sprint(a.RequestHeaders), sec) {
			t.Errorf("attempt record %d holds the secret", i+1)
		}
	}
	if recs[0].StatusCode != 503 || recs[2].StatusCode != 200 || recs[0].NextAttemptAt == nil {
		t.Errorf("attempt records %+v", recs)
	}
	kafkatest.WaitFor(t, 10*time.Second, "status back to active", func() error { return lastStatus(statuses, subscription.StatusActive) })
	if s := statuses.snapshot(); s[0].Status != subscription.StatusAwaitingRetry || s[0].NextAttemptAt == nil {
		t.Errorf("first status %+v, want awaitingRetry with a next attempt time", s[0])
	}
}

// TestAlwaysFailingEndpointIsDeadLettered: the task runs through every tier
// (1 + 3 attempts) and ends in the dead-letter topic; the webhook shows
// retryLimitReached.
func TestAlwaysFailingEndpointIsDeadLettered(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 500 })
	wh, _ := signedWebhook(t, "broken", rcv.srv.URL)
	putWebhook(t, env, wh)
	dead := collect[schemas.DeadLetter](t, env, env.Names.DeadLetters)
	statuses := collect[schemas.SubscriptionStatus](t, env, env.Names.SubscriptionStatus)
	startDeliverer(t, delivererConfig(env))
	id := produceTask(t, env, env.Admin, "broken", "00000000-0000-4000-8000-0000000000d1")

	kafkatest.WaitFor(t, 60*time.Second, "a dead letter", func() error { return kafkatest.Equal(len(dead.snapshot()), 1) })
	dl := dead.snapshot()[0]
	if dl.Task.DeliveryID != id || dl.Attempts != 4 || dl.LastStatusCode != 500 || !strings.Contains(dl.Reason, "500") {
		t.Errorf("dead letter %+v", dl)
	}
	if n := rcv.count(); n != 4 {
		t.Errorf("%d requests, want 4 (one per tier and the first)", n)
	}
	kafkatest.WaitFor(t, 10*time.Second, "retryLimitReached", func() error { return lastStatus(statuses, subscription.StatusRetryLimitReached) })
}

// lastStatus is nil once the last status recorded is want, else lists the
// statuses recorded so far.
func lastStatus(statuses *collector[schemas.SubscriptionStatus], want string) error {
	var seen []string
	for _, s := range statuses.snapshot() {
		seen = append(seen, s.Status)
	}
	if len(seen) > 0 && seen[len(seen)-1] == want {
		return nil
	}
	return fmt.Errorf("statuses recorded %v", seen)
}

// TestGoneDisablesAtOnceAndDeletedWebhooksAreDropped: a 410 disables the
// webhook after one request and nothing more is sent to it; a task of a
// webhook that does not exist is recorded as dropped.
func TestGoneDisablesAtOnceAndDeletedWebhooksAreDropped(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 410 })
	wh, _ := signedWebhook(t, "gone", rcv.srv.URL)
	putWebhook(t, env, wh)
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	statuses := collect[schemas.SubscriptionStatus](t, env, env.Names.SubscriptionStatus)
	dead := collect[schemas.DeadLetter](t, env, env.Names.DeadLetters)
	d := startDeliverer(t, delivererConfig(env))
	produceTask(t, env, env.Admin, "gone", "00000000-0000-4000-8000-000000000041")
	kafkatest.WaitFor(t, 30*time.Second, "the webhook disabled", func() error {
		w, _ := d.Table().Get("gone")
		return kafkatest.Equal(w.State(), subscription.StatusDisabled)
	})
	produceTask(t, env, env.Admin, "gone", "00000000-0000-4000-8000-000000000042")
	produceTask(t, env, env.Admin, "never-existed", "00000000-0000-4000-8000-000000000043")
	kafkatest.WaitFor(t, 30*time.Second, "three attempt records", func() error { return kafkatest.Equal(len(attempts.snapshot()), 3) })
	if n := rcv.count(); n != 1 {
		t.Fatalf("%d requests, want 1: a 410 is not retried and a disabled webhook not sent to", n)
	}
	outcomes := map[string]string{}
	for _, a := range attempts.snapshot() {
		outcomes[a.EventID[len(a.EventID)-2:]] = a.Outcome
	}
	if outcomes["41"] != "disabled" || outcomes["42"] != "deadLettered" || outcomes["43"] != "dropped" {
		t.Errorf("outcomes %v", outcomes)
	}
	if s := statuses.snapshot(); len(s) != 1 || s[0].Status != subscription.StatusDisabled || s[0].LastStatusCode != 410 {
		t.Errorf("statuses %+v, want one: disabled after 410", s)
	}
	if n := len(dead.snapshot()); n != 2 {
		t.Errorf("%d dead letters, want 2 (the 410'd task and the unsent one, for a redrive)", n)
	}
}

// TestTwentyThreeFailuresSetFailed: Atomic's rule. Six tasks of four
// attempts each fail against one endpoint; the 23rd consecutive failure
// sets the webhook to failed and sending stops.
func TestTwentyThreeFailuresSetFailed(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 502 })
	wh, _ := signedWebhook(t, "failing", rcv.srv.URL)
	putWebhook(t, env, wh)
	statuses := collect[schemas.SubscriptionStatus](t, env, env.Names.SubscriptionStatus)
	dead := collect[schemas.DeadLetter](t, env, env.Names.DeadLetters)
	startDeliverer(t, delivererConfig(env))
	const tasks = 6
	for i := range tasks {
		produceTask(t, env, env.Admin, "failing", fmt.Sprintf("00000000-0000-4000-8000-0000000002%02d", i))
	}
	kafkatest.WaitFor(t, 60*time.Second, "every task dead-lettered", func() error { return kafkatest.Equal(len(dead.snapshot()), tasks) })
	// The status topic is read by a consumer of its own, which may be
	// behind the dead letters' one.
	var failed []schemas.SubscriptionStatus
	kafkatest.WaitFor(t, 30*time.Second, "a failed status", func() error {
		failed = failed[:0]
		var seen []string
		for _, s := range statuses.snapshot() {
			if s.Status == subscription.StatusFailed {
				failed = append(failed, s)
			}
			seen = append(seen, s.Status)
		}
		if len(failed) == 0 {
			return fmt.Errorf("statuses recorded %v", seen)
		}
		return nil
	})
	if failed[0].ConsecutiveFailures != 23 {
		t.Fatalf("failed statuses %+v, want the first at 23 consecutive failures", failed)
	}
	// Requests already in flight when the 23rd failure was recorded may
	// still land (at most one per other task); none starts afterwards.
	if n := rcv.count(); n < 23 || n > 23+tasks-1 {
		t.Errorf("%d requests, want 23 to %d", n, 23+tasks-1)
	}
}

// TestBatchesAreOneSignedArray: with batchSize 5, tasks that queue up while
// a request is out go together in one request, a JSON array, signed once;
// a request of one task is an array too.
func TestBatchesAreOneSignedArray(t *testing.T) {
	env := kafkatest.Start(t)
	release := make(chan struct{})
	rcv := newReceiver(t, func(_ string, _ int) int {
		<-release
		return 200
	})
	wh, sec := signedWebhook(t, "batched", rcv.srv.URL)
	wh.BatchSize = 5
	rcv.secrets = []string{sec}
	putWebhook(t, env, wh)
	cfg := delivererConfig(env)
	cfg.MaxInFlightPerEndpoint = 1 // the first request holds the rest in the queue
	d := startDeliverer(t, cfg)
	kafkatest.WaitFor(t, 10*time.Second, "the webhook in the table", func() error {
		if _, ok := d.Table().Get("batched"); !ok {
			return kafkatest.Missing([]string{"batched"})
		}
		return nil
	})
	const tasks = 11
	for i := range tasks {
		produceTask(t, env, env.Admin, "batched", fmt.Sprintf("00000000-0000-4000-8000-0000000003%02d", i))
	}
	kafkatest.WaitFor(t, 30*time.Second, "the first request out", func() error {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return kafkatest.Reached(len(rcv.byID), 1)
	})
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	close(release)
	kafkatest.WaitFor(t, 30*time.Second, "every task recorded", func() error { return kafkatest.Equal(len(attempts.snapshot()), tasks) })
	events, biggest := 0, 0
	for _, dv := range rcv.deliveries() {
		if !dv.signedOK {
			t.Errorf("request %s not signed right", dv.id)
		}
		// A batched webhook's body is an array even when one task was
		// waiting (the first request here carries one).
		var arr []map[string]any
		if err := json.Unmarshal(dv.body, &arr); err != nil {
			t.Fatalf("batch body %s is not an array: %v", dv.body, err)
		}
		n := len(arr)
		events += n
		biggest = max(biggest, n)
	}
	if events != tasks || biggest != 5 {
		t.Errorf("%d events in %d requests, biggest batch %d; want %d events, a batch of 5", events, rcv.count(), biggest, tasks)
	}
}

// TestDeadEndpointDoesNotHoldBackHealthyOnes: nine healthy endpoints and one
// that never answers share the partitions. Every healthy task is delivered
// while the dead endpoint's requests hang; every task of the dead one ends in
// the dead-letter topic (its circuit opens, so it stops taking slots). Nothing
// is lost. The throughput comparison is BenchmarkDeadEndpointIsolation.
func TestDeadEndpointDoesNotHoldBackHealthyOnes(t *testing.T) {
	env := kafkatest.Start(t)
	hang := make(chan struct{})
	dead := newReceiver(t, func(string, int) int { <-hang; return 200 })
	t.Cleanup(func() { close(hang) })
	healthy := newReceiver(t, func(string, int) int { return 200 })
	deadHook, _ := signedWebhook(t, "dead", dead.srv.URL)
	deadHook.TimeoutSeconds = 1
	putWebhook(t, env, deadHook)
	for i := range 9 {
		wh, _ := signedWebhook(t, fmt.Sprintf("ok%d", i), healthy.srv.URL)
		putWebhook(t, env, wh)
	}
	letters := collect[schemas.DeadLetter](t, env, env.Names.DeadLetters)
	startDeliverer(t, delivererConfig(env))
	const perHook = 60
	for i := range perHook {
		for h := range 10 {
			id := "dead"
			if h > 0 {
				id = fmt.Sprintf("ok%d", h-1)
			}
			rec, _ := taskRecord(t, env, id, fmt.Sprintf("00000000-0000-4000-8000-%06d%06d", h, i))
			env.Admin.Produce(t.Context(), rec, nil)
		}
	}
	if err := env.Admin.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	kafkatest.WaitFor(t, 60*time.Second, "every healthy task delivered", func() error { return kafkatest.Equal(len(healthy.succeeded()), 9*perHook) })
	kafkatest.WaitFor(t, 90*time.Second, "every dead-endpoint task dead-lettered", func() error {
		return kafkatest.Reached(letters.count(func(d schemas.DeadLetter) bool { return d.Task.WebhookID == "dead" }), perHook)
	})
	distinct := map[string]bool{}
	for _, d := range letters.snapshot() {
		distinct[d.Task.DeliveryID] = true
	}
	if len(distinct) != perHook {
		t.Errorf("%d distinct dead letters, want %d", len(distinct), perHook)
	}
	if n := dead.arrived(); n == 0 || n >= 4*perHook {
		t.Errorf("the dead endpoint got %d requests: want some, and fewer than one per attempt (its circuit opens)", n)
	}
	t.Logf("dead endpoint: %d requests for %d tasks; healthy: %d delivered", dead.arrived(), perHook, len(healthy.succeeded()))
}

// TestRateLimitSpacesRequestsAndTheGuardRefusesLoopback: a webhook limited to
// 4 requests a second gets its 8 tasks no faster (the excess waits, none is
// dropped); a deliverer that does not allow loopback refuses a host name
// that resolves to it, at dial time, and records why.
func TestRateLimitSpacesRequestsAndTheGuardRefusesLoopback(t *testing.T) {
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 200 })
	limited, _ := signedWebhook(t, "limited", rcv.srv.URL)
	limited.RateLimitPerSecond = 4
	putWebhook(t, env, limited)
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	startDeliverer(t, delivererConfig(env))
	const tasks = 8
	for i := range tasks {
		produceTask(t, env, env.Admin, "limited", fmt.Sprintf("00000000-0000-4000-8000-0000000005%02d", i))
	}
	kafkatest.WaitFor(t, 30*time.Second, "every limited task delivered", func() error { return kafkatest.Equal(len(rcv.succeeded()), tasks) })
	got := rcv.deliveries()
	first, last := got[0].at, got[0].at
	for _, d := range got {
		if d.at.Before(first) {
			first = d.at
		}
		if d.at.After(last) {
			last = d.at
		}
	}
	// A burst of 4 goes at once; the other 4 wait 250 ms each.
	if span := last.Sub(first); span < 900*time.Millisecond {
		t.Errorf("8 requests at 4/s spanned %s, want at least 1s minus scheduling slack", span)
	}

	// A second deliverer group that does not allow loopback. Both groups
	// read the tier topics; the guard's group has a version of its own, so
	// its User-Agent (hookstream/<version>), in its requests and in its
	// attempt records, tells what it did from what the first group did.
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":")+1:]
	guarded, _ := signedWebhook(t, "guarded", "http://localhost:"+port+"/hook")
	putWebhook(t, env, guarded)
	cfg := delivererConfig(env)
	cfg.Group += "-guarded"
	cfg.Version = "guard"
	cfg.AllowLoopbackEndpoints = false
	startDeliverer(t, cfg)
	produceTask(t, env, env.Admin, "guarded", "00000000-0000-4000-8000-000000000600")
	by := func(version string) []schemas.DeliveryAttempt {
		var of []schemas.DeliveryAttempt
		for _, a := range attempts.snapshot() {
			if a.WebhookID == "guarded" && a.RequestHeaders["User-Agent"] == "hookstream/"+version {
				of = append(of, a)
			}
		}
		return of
	}
	// The first group delivers the guarded task (loopback allowed there),
	// which shows the receiver answers on that URL; the guard's group
	// refuses it at dial time, before a request goes out.
	kafkatest.WaitFor(t, 30*time.Second, "an attempt at the guarded task by each group", func() error {
		return errors.Join(
			kafkatest.Named("the first group's attempts", kafkatest.Reached(len(by("test")), 1)),
			kafkatest.Named("the guard group's attempts", kafkatest.Reached(len(by("guard")), 1)))
	})
	if a := by("test"); a[0].StatusCode != 200 {
		t.Errorf("the first group's attempt at the guarded task: %s, want a 200", summary(a[0]))
	}
	refused := func(a schemas.DeliveryAttempt) bool {
		return a.StatusCode == 0 && strings.Contains(a.Error, "ssrf") && strings.Contains(a.Error, "loopback")
	}
	if a := by("guard"); len(a) != 1 || !refused(a[0]) {
		t.Errorf("the guard's group recorded %d attempts at the guarded task, the first %s; want one, its ssrf refusal", len(a), summary(a[0]))
	}
	n := 0
	for _, d := range rcv.deliveries() {
		if d.userAgent == "hookstream/guard" {
			n++
		}
	}
	if n > 0 {
		t.Errorf("the receiver got %d requests from the guard's group, want none", n)
	}
}

// summary is what a failed check shows of an attempt record.
func summary(a schemas.DeliveryAttempt) string {
	return fmt.Sprintf("attempt %d, outcome %s, status %d, error %q", a.Attempt, a.Outcome, a.StatusCode, a.Error)
}
