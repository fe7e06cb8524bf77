package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookstream/hookstream/control/api"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafkatest"
)

const itAdminToken = "it-admin-token-0123456789"

func apiConfig(env *kafkatest.Env) api.Config {
	c := api.Defaults()
	c.Common = config.Common{
		Brokers: env.Brokers, Registry: env.RegistryURL, TopicPrefix: env.Names.Prefix,
		RetryTiers: kafkatest.Tiers, Partitions: int(env.Partitions), LogLevel: "warn", ClientID: "it-api",
	}
	c.AdminToken, c.SecretKey, c.AllowLoopbackEndpoints, c.Version = itAdminToken, testSecretKey, true, "test"
	return c
}

// apiClient calls one running control API as admin.
type apiClient struct {
	t   testing.TB
	srv *api.Server
	url string
}

// startAPI runs a control API in process until stop or the test's end.
func startAPI(t testing.TB, cfg api.Config) (c *apiClient, stop func()) {
	t.Helper()
	srv, err := api.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		t.Fatalf("api stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("api not ready in 60s")
	}
	hs := httptest.NewServer(srv.Handler())
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		hs.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("api: %v", err)
		}
	}
	t.Cleanup(stop)
	return &apiClient{t: t, srv: srv, url: hs.URL}, stop
}

func (c *apiClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+itAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, out
}

// must is do that fails the test on any other status than want.
func (c *apiClient) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	status, out := c.do(method, path, body)
	if status != want {
		c.t.Fatalf("%s %s: %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

// count is the "count" of a list answer.
func (c *apiClient) count(path string) int {
	c.t.Helper()
	out := c.must(200, "GET", path, nil)
	return int(out["count"].(float64))
}
