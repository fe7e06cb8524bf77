package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// The console's browser tests drive headless Chromium (Debian's chromium
// package; scripts/test installs it) against a stack on 127.0.0.1. One
// browser serves the whole test binary; each test has its own tab.

var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	os.Exit(code)
}

// newTab opens a tab of the shared browser for one test, bounded in time,
// or skips the test when there is no Chromium (failing instead under CI).
func newTab(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(func() {
		path, err := exec.LookPath("chromium")
		if err != nil {
			browser.err = fmt.Errorf("chromium not found (apt-get install -y chromium): %w", err)
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.WindowSize(1280, 900), chromedp.Flag("proxy-server", "direct://"), chromedp.Flag("proxy-bypass-list", "*"))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(alloc)
		browser.ctx, browser.cancel = ctx, func() { cancelBrowser(); cancelAlloc() }
		// The first run starts the browser, which lives as long as ctx.
		browser.err = chromedp.Do(ctx)
	})
	if browser.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(browser.err)
		}
		t.Skip("skipping the console's browser test: ", browser.err)
	}
	tab, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a browser tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, 45*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// run runs the actions, failing the test with a screenshot on error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		shot(t, ctx, t.Name()+"-failed")
		t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a full-page PNG screenshot (quality 100 is PNG, less is
// JPEG) under .cache/console-screenshots.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("..", ".cache", "console-screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// text reads an element's text.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		shot(t, ctx, t.Name()+"-failed")
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// until waits for a JavaScript condition to hold.
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(25*time.Second), chromedp.WithPollingInterval(100*time.Millisecond))
}

// consoleStack is a router, a deliverer and the API (which serves the
// console) on one kfake cluster; tokens are extra "token user role" lines.
func consoleStack(t *testing.T, tokens string) (*kafkatest.Env, *apiClient) {
	t.Helper()
	env := kafkatest.Start(t)
	startRouter(t, env)
	startDeliverer(t, delivererConfig(env))
	cfg := apiConfig(env)
	if tokens != "" {
		cfg.TokensFile = filepath.Join(t.TempDir(), "tokens")
		if err := os.WriteFile(cfg.TokensFile, []byte(tokens), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := startAPI(t, cfg)
	return env, c
}

func signIn(t *testing.T, ctx context.Context, url, token string) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token-input")),
		chromedp.SendKeys(chromedp.CSS("#token-input"), token),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#webhooks-table")),
		until(`!document.querySelector('#nav').hidden`),
	)
}

// TestConsoleCreateWithValidateSecretOnce: sign in; a refused field is
// shown beside it; Validate and save sends the sample, then shows the
// secret once; once dismissed it is nowhere on any page again.
func TestConsoleCreateWithValidateSecretOnce(t *testing.T) {
	_, c := consoleStack(t, "")
	recv := newReceiver(t, func(string, int) int { return 200 })
	ctx := newTab(t)

	run(t, ctx, "sign-in page", chromedp.Navigate(c.url+"/"), chromedp.WaitVisible(chromedp.CSS("#token-input")))
	shot(t, ctx, "01-sign-in")
	run(t, ctx, "a wrong token is refused beside the field",
		chromedp.SendKeys(chromedp.CSS("#token-input"), "not-a-token"),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#token-input-error")),
		until(`sessionStorage.length === 0 && !location.href.includes('token')`),
		chromedp.Clear(chromedp.CSS("#token-input")),
	)
	signIn(t, ctx, c.url, itAdminToken)
	run(t, ctx, "the token is in sessionStorage only, not in the URL",
		until(`sessionStorage.getItem('hookstream-token') === '`+itAdminToken+`' && !location.href.includes('`+itAdminToken+`') && localStorage.length === 0 && document.cookie === ''`))

	run(t, ctx, "an invalid URL is shown beside the URL field",
		chromedp.Click(chromedp.CSS("#new-webhook")),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		until(`document.querySelectorAll('#event-type-list input').length > 0`),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "orders"),
		chromedp.SendKeys(chromedp.CSS("#f-url"), "ftp://nowhere"),
		chromedp.Click(chromedp.CSS("#save-webhook")),
		chromedp.WaitVisible(chromedp.CSS("#f-url-error")),
		until(`document.querySelector('#f-url').getAttribute('aria-invalid') === 'true'`),
	)
	shot(t, ctx, "02-field-error")
	run(t, ctx, "Validate, then save",
		chromedp.SetValue(chromedp.CSS("#f-url"), recv.srv.URL+"/orders"),
		chromedp.Click(chromedp.CSS(`#event-type-list input[value="entityCreated"]`)),
		chromedp.SetValue(chromedp.CSS("#f-headers"), "Authorization: Bearer s3cret-value"),
		chromedp.Click(chromedp.CSS("#validate-webhook")),
		chromedp.WaitVisible(chromedp.CSS("#validate-result")),
		until(`document.querySelector('#validate-result').textContent.includes('Validated')`),
	)
	shot(t, ctx, "03-validated")
	validations := recv.count()
	if validations < 1 {
		t.Fatalf("Validate sent nothing to the endpoint")
	}
	run(t, ctx, "save shows the secret",
		chromedp.Click(chromedp.CSS("#save-webhook")),
		chromedp.WaitVisible(chromedp.CSS("#secret-value")),
	)
	secret := text(t, ctx, "#secret-value")
	shot(t, ctx, "04-secret-once")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	if recv.count() <= validations {
		t.Errorf("save did not validate the endpoint first")
	}
	absent := `!document.documentElement.outerHTML.includes('` + secret + `')`
	run(t, ctx, "dismissed, the secret is gone from the list",
		chromedp.Click(chromedp.CSS("#dismiss-secret")),
		chromedp.WaitVisible(chromedp.CSS(`#webhooks-table tbody tr`)),
		until(`document.querySelector('#webhooks-table tbody').textContent.includes('orders')`),
		until(absent),
	)
	run(t, ctx, "not in the edit form, not after a reload",
		chromedp.Click(chromedp.CSS(`#webhooks-table tbody tr button[aria-label="Edit orders"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		until(`document.querySelector('#f-url').value.endsWith('/orders')`),
		until(absent),
		until(`!document.querySelector('#f-secret').closest('.row').checkVisibility()`),
	)
	shot(t, ctx, "05-edit")
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#f-name")),
		until(`document.querySelector('#f-url').value.endsWith('/orders')`), until(absent))
	run(t, ctx, "phone width", chromedp.EmulateViewport(390, 844), chromedp.Click(chromedp.CSS(`#nav a[data-view="webhooks"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#webhooks-table tbody tr`)),
		until(`document.documentElement.scrollWidth <= window.innerWidth + 1`))
	shot(t, ctx, "06-webhooks-phone")
}

// TestConsoleDeliveriesArriveRetryAndExplain: produced events appear in
// the history by live polling; an attempt's detail shows its redacted
// headers, event and response; retry sends it again; explain says why.
func TestConsoleDeliveriesArriveRetryAndExplain(t *testing.T) {
	env, c := consoleStack(t, "")
	recv := newReceiver(t, func(string, int) int { return 200 })
	created := c.must(201, "POST", "/api/v1/webhooks", map[string]any{
		"name": "tables", "url": recv.srv.URL + "/t", "eventTypes": []string{"entityCreated"},
		"headers": map[string]string{"Authorization": "Bearer s3cret-value"},
	})
	id := created["id"].(string)
	c.must(201, "POST", "/api/v1/webhooks", map[string]any{"name": "deletes", "url": recv.srv.URL + "/d", "eventTypes": []string{"entityDeleted"}})
	ctx := newTab(t)
	signIn(t, ctx, c.url, itAdminToken)
	run(t, ctx, "the deliveries page, live", chromedp.Click(chromedp.CSS(`#nav a[data-view="deliveries"]`)),
		chromedp.WaitVisible(chromedp.CSS("#history-table")), until(`document.querySelector('#live').checked`))

	for i := 1; i <= 3; i++ {
		ev := metaEvent(fmt.Sprintf("00000000-0000-4000-8000-00000000010%d", i), "entityCreated", "table")
		produceValue(t, env, env.Names.MetadataChanges, ev.Entity.ID, ev)
	}
	run(t, ctx, "three attempts arrive without a reload",
		until(`document.querySelectorAll('#history-table tbody tr').length === 3`))
	shot(t, ctx, "07-deliveries")
	run(t, ctx, "an attempt's detail",
		chromedp.Click(chromedp.CSS(`#history-table tbody tr button`)),
		chromedp.WaitVisible(chromedp.CSS("#attempt-detail")),
		until(`document.querySelector('#attempt-response').textContent.includes('received')`),
	)
	headers, event := text(t, ctx, "#attempt-headers"), text(t, ctx, "#attempt-event")
	shot(t, ctx, "08-attempt")
	if !strings.Contains(headers, "[redacted]") || strings.Contains(headers, "s3cret-value") {
		t.Errorf("request headers not redacted: %s", headers)
	}
	if !strings.Contains(event, "00000000-0000-4000-8000-00000000010") {
		t.Errorf("event not shown: %s", event)
	}
	before := recv.count()
	run(t, ctx, "retry", chromedp.Click(chromedp.CSS("#retry-attempt")),
		until(`document.querySelector('#retry-result').textContent.includes('Retry queued')`))
	kafkatest.WaitFor(t, 20*time.Second, "the retried delivery", func() error { return kafkatest.Reached(recv.count(), before+1) })
	run(t, ctx, "the retry's attempt shows up", until(`document.querySelectorAll('#history-table tbody tr').length === 4`))

	run(t, ctx, "why did it fire?", chromedp.Click(chromedp.CSS("#explain-attempt")),
		chromedp.WaitVisible(chromedp.CSS("#x-event")),
		until(`document.querySelector('#x-event').value.includes('entityCreated')`),
		chromedp.Click(chromedp.CSS("#run-explain")),
		chromedp.WaitVisible(chromedp.CSS("#explain-table")),
		until(`document.querySelector('#explain-summary').textContent.startsWith('1 of 2')`),
		until(`[...document.querySelectorAll('#explain-table tbody tr')].some(r => r.textContent.includes('deletes') && r.textContent.includes('eventType'))`),
	)
	shot(t, ctx, "09-explain")
	_ = id
}

// TestConsoleReplayAndRedrive: a failing endpoint's delivery is dead
// lettered; once it answers again the dead letter is redriven and a time
// range replayed, each visible in the console.
func TestConsoleReplayAndRedrive(t *testing.T) {
	env, c := consoleStack(t, "")
	var up atomic.Bool
	recv := newReceiver(t, func(string, int) int {
		if up.Load() {
			return 200
		}
		return 500
	})
	c.must(201, "POST", "/api/v1/webhooks", map[string]any{"name": "flaky", "url": recv.srv.URL, "eventTypes": []string{"entityCreated"}, "maxAttempts": 1})
	ev := metaEvent("00000000-0000-4000-8000-000000000201", "entityCreated", "table")
	produceValue(t, env, env.Names.MetadataChanges, ev.Entity.ID, ev)
	kafkatest.WaitFor(t, 20*time.Second, "a dead letter", func() error { return kafkatest.Reached(c.count("/api/v1/dead-letters"), 1) })
	up.Store(true)

	ctx := newTab(t)
	signIn(t, ctx, c.url, itAdminToken)
	run(t, ctx, "the dead letter listed", chromedp.Click(chromedp.CSS(`#nav a[data-view="recovery"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dl-table tbody tr`)))
	shot(t, ctx, "10-dead-letters")
	delivered := recv.count()
	run(t, ctx, "redrive the selection",
		chromedp.Click(chromedp.CSS(`#dl-table tbody input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS("#redrive-selected")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-ok")),
		chromedp.Click(chromedp.CSS("#confirm-ok")),
		until(`document.querySelector('#redrive-result').textContent.includes('1 dead letter(s) redriven')`),
		until(`document.querySelectorAll('#dl-table tbody tr').length === 0`),
	)
	kafkatest.WaitFor(t, 20*time.Second, "the redriven delivery", func() error { return kafkatest.Reached(recv.count(), delivered+1) })
	delivered = recv.count()
	run(t, ctx, "replay the last hour",
		until(`document.querySelector('#r-webhook').options.length === 1 && document.querySelector('#r-since').value !== ''`),
		chromedp.Click(chromedp.CSS("#start-replay")),
		chromedp.WaitVisible(chromedp.CSS("#replay-progress")),
		until(`document.querySelector('#replay-state').textContent.includes('completed') && document.querySelector('#replay-state').textContent.includes('1 sent again')`),
	)
	shot(t, ctx, "11-replay")
	kafkatest.WaitFor(t, 20*time.Second, "the replayed delivery", func() error { return kafkatest.Reached(recv.count(), delivered+1) })
}

// TestConsoleUserSeesOnlyOwnWebhooks: alice's console lists hers, not
// bob's, and opening bob's by id finds nothing.
func TestConsoleUserSeesOnlyOwnWebhooks(t *testing.T) {
	const bobToken = "it-bob-token-0123456789ab"
	_, c := consoleStack(t, itAliceToken+" alice user\n"+bobToken+" bob user\n")
	recv := newReceiver(t, func(string, int) int { return 200 })
	createAs(t, c.url, itAliceToken, map[string]any{"name": "alice-hook", "url": recv.srv.URL})
	bobs := createAs(t, c.url, bobToken, map[string]any{"name": "bob-hook", "url": recv.srv.URL})["id"].(string)
	ctx := newTab(t)
	signIn(t, ctx, c.url, itAliceToken)
	run(t, ctx, "only hers", until(`document.querySelector('#webhooks-table tbody').textContent.includes('alice-hook')`),
		until(`!document.body.textContent.includes('bob-hook')`))
	shot(t, ctx, "12-alice-list")
	run(t, ctx, "bob's by id is not found", chromedp.Navigate(c.url+"/#form/"+bobs),
		until(`!document.querySelector('#notice').hidden && document.querySelector('#notice').textContent.includes('not found')`),
		until(`!document.body.textContent.includes('bob-hook') && document.querySelector('#f-name').value === ''`))
	shot(t, ctx, "13-alice-not-bobs")
}

// TestConsoleHostilePayloadIsInert: markup in an entity name and in a
// webhook name is shown as text; no script runs, no element is made.
func TestConsoleHostilePayloadIsInert(t *testing.T) {
	env, c := consoleStack(t, "")
	recv := newReceiver(t, func(string, int) int { return 200 })
	hostile := `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`
	c.must(201, "POST", "/api/v1/webhooks", map[string]any{"name": hostile, "url": recv.srv.URL, "eventTypes": []string{"entityCreated"}})
	ev := metaEvent("00000000-0000-4000-8000-000000000301", "entityCreated", "table")
	ev.Entity.Name = hostile
	produceValue(t, env, env.Names.MetadataChanges, ev.Entity.ID, ev)
	kafkatest.WaitFor(t, 20*time.Second, "the delivery", func() error { return kafkatest.Reached(recv.count(), 1) })

	ctx := newTab(t)
	signIn(t, ctx, c.url, itAdminToken)
	inert := `window.__pwned === undefined && document.querySelectorAll('main img, main script').length === 0`
	run(t, ctx, "the hostile webhook name is text",
		until(`document.querySelector('#webhooks-table tbody').textContent.includes('<script>window.__pwned=2</script>')`), until(inert))
	run(t, ctx, "the hostile entity name is text",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="deliveries"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#history-table tbody tr button`)),
		chromedp.Click(chromedp.CSS(`#history-table tbody tr button`)),
		chromedp.WaitVisible(chromedp.CSS("#attempt-event")),
		until(`document.querySelector('#attempt-event').textContent.includes('onerror=\\"window.__pwned=1\\"')`),
		until(inert))
	shot(t, ctx, "14-hostile-inert")
}
