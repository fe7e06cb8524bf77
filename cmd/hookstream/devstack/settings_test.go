package devstack

import (
	"context"
	"flag"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/config"
)

// TestDevTakesThePlatformSettings: dev's flags reach its API: tests off
// refuses validate, --max-timeout bounds timeoutSeconds, and a deny-list
// of bare addresses separated by ; refuses exactly those.
func TestDevTakesThePlatformSettings(t *testing.T) {
	var parsed Config
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	parsed.Register(fs)
	if err := config.Parse(fs, []string{"--webhook-tests-enabled=false", "--max-timeout", "5s", "--deny-cidrs", "10.0.0.1;fd00::1"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if !parsed.Webhooks.Enabled || parsed.Webhooks.TestsEnabled || parsed.Webhooks.MaxTimeout != 5*time.Second || len(parsed.DenyCIDRs) != 2 {
		t.Fatalf("parsed %+v, deny %q", parsed.Webhooks, parsed.DenyCIDRs)
	}
	cfg := testConfig(t.TempDir())
	cfg.Webhooks, cfg.DenyCIDRs, cfg.AllowPrivateEndpoints = parsed.Webhooks, parsed.DenyCIDRs, true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := start(t, cfg)
	defer s.Close()
	ctx := context.Background()
	err := s.call(ctx, "POST", "/api/v1/webhooks/validate", map[string]any{"url": "http://127.0.0.1:9/hook"}, http.StatusForbidden, nil)
	if err != nil {
		t.Errorf("validate with tests off: %v", err)
	}
	err = s.call(ctx, "POST", "/api/v1/webhooks", map[string]any{"name": "t", "url": "http://127.0.0.1:9/hook", "timeoutSeconds": 6}, http.StatusBadRequest, nil)
	if err != nil {
		t.Errorf("timeoutSeconds 6 under --max-timeout 5s: %v", err)
	}
	// Private addresses allowed, the deny-list's bare address alone refuses.
	if err := s.call(ctx, "POST", "/api/v1/webhooks", map[string]any{"name": "d", "url": "http://10.0.0.1/hook"}, http.StatusBadRequest, nil); err != nil {
		t.Errorf("a URL on the denied bare address 10.0.0.1: %v", err)
	}
	if err := s.call(ctx, "POST", "/api/v1/webhooks", map[string]any{"name": "d", "url": "http://10.0.0.2/hook"}, http.StatusCreated, nil); err != nil {
		t.Errorf("a URL on 10.0.0.2, not denied: %v", err)
	}
}
