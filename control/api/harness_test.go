package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

const (
	adminToken = "admin-token-0123456789"
	aliceToken = "alice-token-0123456789"
	bobToken   = "bob-token-0123456789ab"
	testKey    = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

// harness is one API server on its own (kfake) cluster.
type harness struct {
	t   *testing.T
	env *kafkatest.Env
	cfg Config
	srv *Server
	url string
	// logs is everything the servers logged, at debug level; reg holds
	// the current server's metrics.
	logs *syncBuffer
	reg  *prometheus.Registry
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testConfig(t *testing.T, env *kafkatest.Env) Config {
	cfg := Defaults()
	cfg.Brokers, cfg.Registry, cfg.TopicPrefix = env.Brokers, env.RegistryURL, env.Names.Prefix
	cfg.RetryTiers, cfg.Partitions, cfg.LogLevel = kafkatest.Tiers, int(env.Partitions), "info"
	cfg.AdminToken, cfg.SecretKey, cfg.AllowLoopbackEndpoints = adminToken, testKey, true
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte(aliceToken+" alice user\n"+bobToken+" bob user\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.TokensFile = tokens
	return cfg
}

func newHarness(t *testing.T) *harness {
	env := kafkatest.Start(t)
	h := &harness{t: t, env: env, cfg: testConfig(t, env), logs: &syncBuffer{}}
	h.start()
	return h
}

// start runs a server (again) on the harness's cluster.
func (h *harness) start() {
	t := h.t
	if err := h.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h.reg = prometheus.NewRegistry()
	srv, err := New(h.cfg, slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})), h.reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server run: %v", err)
		}
	})
	select {
	case <-srv.Ready():
	case err := <-done:
		t.Fatalf("server stopped while starting: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server not ready after 30s")
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	h.srv, h.url = srv, hs.URL
}

// do sends body (JSON-encoded unless it is a string or []byte) and decodes
// the JSON answer into a map (or nil for an empty body).
func (h *harness) do(token, method, path string, body any, contentType ...string) (int, map[string]any) {
	h.t.Helper()
	status, b := h.raw(token, method, path, body, contentType...)
	if len(b) == 0 {
		return status, nil
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, b)
	}
	return status, out
}

func (h *harness) raw(token, method, path string, body any, contentType ...string) (int, []byte) {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	ct := "application/json"
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// create makes a webhook as token's user and returns its id and secret.
func (h *harness) create(token string, spec map[string]any) (string, string) {
	h.t.Helper()
	status, out := h.do(token, "POST", "/api/v1/webhooks", spec)
	if status != http.StatusCreated {
		h.t.Fatalf("create: %d %v", status, out)
	}
	return out["id"].(string), out["secret"].(string)
}

// produce writes v, Avro-encoded, to topic.
func (h *harness) produce(topic, key string, v any) {
	h.t.Helper()
	b, err := h.env.Serde.Encode(v)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.env.Admin.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Key: []byte(key), Value: b}).FirstErr(); err != nil {
		h.t.Fatal(err)
	}
}

// errorOf returns the code and field of an error answer.
func errorOf(t *testing.T, out map[string]any) (code, field string) {
	t.Helper()
	e, ok := out["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %v", out)
	}
	if msg, _ := e["message"].(string); msg == "" {
		t.Errorf("error without a message: %v", e)
	}
	field, _ = e["field"].(string)
	return e["code"].(string), field
}

// hook is a webhook spec for a URL.
func hook(name, url string) map[string]any {
	return map[string]any{"name": name, "url": url, "eventTypes": []string{"entityCreated", "tagAdded"}}
}

// sentHeaders are the custom headers of webhook id as the deliverer will
// send them: the stored ones, the sealed ones opened.
func (h *harness) sentHeaders(id string) map[string]string {
	h.t.Helper()
	w, ok := h.srv.Table().Get(id)
	if !ok {
		h.t.Fatalf("webhook %s not in the table", id)
	}
	got, err := h.srv.sealer.OpenHeaders(w.Headers, w.SealedHeaders)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}
