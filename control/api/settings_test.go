package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// gauge is the value of the metric name in reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
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

// TestPlatformSettingsRefuseTestAndValidate: with tests or webhooks turned
// off, test and validate answer 403 naming the flag and its twin and send
// nothing; webhooks can still be saved.
func TestPlatformSettingsRefuseTestAndValidate(t *testing.T) {
	var hits atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	t.Cleanup(rcv.Close)
	env := kafkatest.Start(t)
	h := &harness{t: t, env: env, cfg: testConfig(t, env), logs: &syncBuffer{}}
	h.start()
	if gauge(t, h.reg, "hookstream_api_webhooks_enabled") != 1 || gauge(t, h.reg, "hookstream_api_webhook_tests_enabled") != 1 {
		t.Error("settings gauges are not 1 by default")
	}
	id, _ := h.create(adminToken, hook("a", rcv.URL))

	for _, tc := range []struct {
		name, flag, env string
		off             func(*Config)
	}{
		{"tests off", "--webhook-tests-enabled=false", "HOOKSTREAM_WEBHOOK_TESTS_ENABLED", func(c *Config) { c.Webhooks.TestsEnabled = false }},
		{"webhooks off", "--webhooks-enabled=false", "HOOKSTREAM_WEBHOOKS_ENABLED", func(c *Config) { c.Webhooks.Enabled = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.cfg = testConfig(t, env)
			tc.off(&h.cfg)
			h.start()
			calls := map[string]func() (int, map[string]any){
				"test": func() (int, map[string]any) { return h.do(adminToken, "POST", "/api/v1/webhooks/"+id+"/test", nil) },
				"validate": func() (int, map[string]any) {
					return h.do(aliceToken, "POST", "/api/v1/webhooks/validate", map[string]any{"url": rcv.URL})
				},
			}
			for name, call := range calls {
				status, out := call()
				if status != http.StatusForbidden {
					t.Fatalf("%s: %d %v, want 403", name, status, out)
				}
				if code, _ := errorOf(t, out); code != "disabled" {
					t.Errorf("%s: code %q", name, code)
				}
				msg := out["error"].(map[string]any)["message"].(string)
				if !strings.Contains(msg, tc.flag) || !strings.Contains(msg, tc.env) {
					t.Errorf("%s: message %q does not name %s and %s", name, msg, tc.flag, tc.env)
				}
			}
			if gauge(t, h.reg, "hookstream_api_webhook_tests_enabled") != 0 {
				t.Error("tests gauge is not 0")
			}
			if !strings.Contains(h.logs.String(), tc.flag) {
				t.Errorf("the log does not say %s", tc.flag)
			}
			h.create(aliceToken, hook("saved while off", rcv.URL))
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
}

// TestMaxTimeout: the API refuses a timeoutSeconds above --max-timeout
// naming both, gives a webhook without one the cap when the cap is below
// the default, and cuts the timeout of a webhook saved under a higher cap
// when it tests it.
func TestMaxTimeout(t *testing.T) {
	// The handler reads the body first: only then does the server notice
	// the client giving up and end the request's context.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	env := kafkatest.Start(t)
	h := &harness{t: t, env: env, cfg: testConfig(t, env), logs: &syncBuffer{}}
	h.start()
	spec := hook("slow", slow.URL)
	spec["timeoutSeconds"] = 30
	id, _ := h.create(adminToken, spec)

	h.cfg = testConfig(t, env)
	h.cfg.Webhooks.MaxTimeout = 2 * time.Second
	h.start()
	spec["timeoutSeconds"] = 3
	status, out := h.do(adminToken, "POST", "/api/v1/webhooks", spec)
	if status != http.StatusBadRequest {
		t.Fatalf("timeoutSeconds 3 under a 2s cap: %d %v", status, out)
	}
	if _, field := errorOf(t, out); field != "timeoutSeconds" {
		t.Errorf("field %q", field)
	}
	if msg := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "3") || !strings.Contains(msg, "--max-timeout 2s") {
		t.Errorf("message %q does not name 3 and --max-timeout 2s", msg)
	}
	delete(spec, "timeoutSeconds")
	status, out = h.do(adminToken, "POST", "/api/v1/webhooks", spec)
	if status != http.StatusCreated || out["timeoutSeconds"] != 2.0 {
		t.Fatalf("no timeoutSeconds under a 2s cap: %d timeoutSeconds=%v", status, out["timeoutSeconds"])
	}

	start := time.Now()
	status, out = h.do(adminToken, "POST", "/api/v1/webhooks/"+id+"/test", nil)
	took := time.Since(start)
	if status != http.StatusOK || out["success"] != false || out["error"] == nil {
		t.Fatalf("test of the slow endpoint: %d %v", status, out)
	}
	if took > 15*time.Second {
		t.Fatalf("the test took %v: the stored 30 s timeout was not cut to 2 s", took)
	}
}
