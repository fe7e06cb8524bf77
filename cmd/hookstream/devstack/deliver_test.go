package devstack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/schemas"
)

// TestDevDeliversSignedEventsToLoopback: in dev an event goes all the way to
// a receiver on 127.0.0.1, signed with a secret sealed under the key dev
// keeps in its data directory.
func TestDevDeliversSignedEventsToLoopback(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	s := start(t, cfg)
	defer s.Close()

	var (
		mu     sync.Mutex
		bodies []string
		sigErr error
	)
	sec, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		if err := signature.Verify(r.Header, b, []string{sec}, time.Now(), signature.DefaultTolerance); err != nil {
			sigErr = err
		}
		mu.Unlock()
	}))
	defer srv.Close()

	keyText, err := secretKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := secret.ParseKey(keyText)
	sealer, _ := secret.NewSealer(key)
	sealed, err := sealer.Seal(sec)
	if err != nil {
		t.Fatal(err)
	}
	serde := s.serde
	names := cfg.Names()
	now := time.Now().UTC()
	produce := func(topicName, k string, v any) {
		t.Helper()
		b, err := serde.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.client.ProduceSync(context.Background(), &kgo.Record{Topic: topicName, Key: []byte(k), Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce(names.Subscriptions, "demo", &schemas.Subscription{ID: "demo", Name: "demo", URL: srv.URL, Enabled: true, Global: true,
		EventTypes: []string{"*"}, EncryptedSecret: sealed, CreatedAt: now, UpdatedAt: now})
	kafkatest.WaitFor(t, 30*time.Second, "the webhook in both tables", func() error {
		var errs []error
		if _, ok := s.deliverer.Table().Get("demo"); !ok {
			errs = append(errs, errors.New("not in the deliverer's table"))
		}
		if _, ok := s.router.Table().Get("demo"); !ok {
			errs = append(errs, errors.New("not in the router's table"))
		}
		return errors.Join(errs...)
	})
	produce(names.MetadataChanges, "e1", &schemas.MetadataChangeEvent{EventID: "00000000-0000-4000-8000-000000000001", EventType: "entityCreated",
		Timestamp: now.UnixMilli(), Entity: schemas.Entity{ID: "e1", Type: "table", Name: "orders", Tags: []string{}, CustomMetadata: map[string]string{}}})
	kafkatest.WaitFor(t, 30*time.Second, "the delivery", func() error { mu.Lock(); defer mu.Unlock(); return kafkatest.Equal(len(bodies), 1) })
	mu.Lock()
	defer mu.Unlock()
	if sigErr != nil || !strings.Contains(bodies[0], `"webhookId":"demo"`) || !strings.Contains(bodies[0], `"name":"orders"`) {
		t.Fatalf("body %s, signature error %v", bodies[0], sigErr)
	}
}
