package integration

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafkatest"
)

// TestSchemathesisFindsNoServerError fuzzes the control API from its own
// OpenAPI document with schemathesis (installed from PyPI by scripts/test):
// a bounded number of generated requests per operation, none of which may
// get a 5xx. Outbound requests (test, validate) may only reach a receiver
// on 127.0.0.1: the allow-list refuses every other URL before any dial.
func TestSchemathesisFindsNoServerError(t *testing.T) {
	bin := os.Getenv("HOOKSTREAM_SCHEMATHESIS")
	if bin == "" {
		t.Skip("HOOKSTREAM_SCHEMATHESIS is not set; scripts/test installs schemathesis and sets it")
	}
	env := kafkatest.Start(t)
	rcv := newReceiver(t, func(string, int) int { return 200 })
	u, _ := url.Parse(rcv.srv.URL)
	cfg := apiConfig(env)
	cfg.AllowedURLs = config.Repeated{`http://` + regexp.QuoteMeta(u.Host) + `(/.*)?`}
	c, _ := startAPI(t, cfg)
	// Something for the {id} routes to find besides what the fuzzer makes.
	c.must(201, "POST", "/api/v1/webhooks", map[string]any{"name": "seed", "url": rcv.srv.URL + "/seed", "global": true})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", c.url+"/api/v1/openapi.json",
		"--url", c.url,
		"--checks", "not_a_server_error",
		"--phases", "examples,fuzzing",
		"--max-examples", "60",
		"--seed", "20261123",
		"--workers", "2",
		"--request-timeout", "30",
		"--generation-database", "none",
		"--no-color",
		"--header", "Authorization: Bearer "+itAdminToken,
		"--report-dir", t.TempDir(),
	)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "SCHEMATHESIS_TELEMETRY=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("schemathesis: %v\n%s", err, lastLines(string(out), 120))
	}
	t.Logf("schemathesis:\n%s", lastLines(string(out), 12))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
