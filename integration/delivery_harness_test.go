package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/deliver"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

// testSecretKey seals the webhook secrets of every delivery test.
const testSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func delivererConfig(env *kafkatest.Env) deliver.Config {
	c := deliver.Defaults()
	c.Common = config.Common{
		Brokers: env.Brokers, Registry: env.RegistryURL, TopicPrefix: env.Names.Prefix,
		RetryTiers: kafkatest.Tiers, Partitions: int(env.Partitions), LogLevel: "warn", ClientID: "it-deliverer",
	}
	c.Group = env.Names.Prefix + "deliverer"
	c.SecretKey = testSecretKey
	c.AllowLoopbackEndpoints = true
	c.CircuitCooldown = 200 * time.Millisecond
	c.ShutdownTimeout = 5 * time.Second
	c.Version = "test"
	return c
}

// startDeliverer runs a deliverer in process until the test ends.
func startDeliverer(t testing.TB, cfg deliver.Config) *deliver.Deliverer {
	t.Helper()
	return startDelivererWith(t, cfg, prometheus.NewRegistry())
}

// startDelivererWith is startDeliverer with the registry its metrics go to.
func startDelivererWith(t testing.TB, cfg deliver.Config, reg prometheus.Registerer) *deliver.Deliverer {
	t.Helper()
	d, err := deliver.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("deliverer: %v", err)
		}
	})
	select {
	case <-d.Ready():
	case err := <-done:
		t.Fatalf("deliverer stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("deliverer not ready in 60s")
	}
	return d
}

// signedWebhook returns a webhook on url with a fresh secret sealed under
// testSecretKey, and the secret.
func signedWebhook(t testing.TB, id, url string) (schemas.Subscription, string) {
	t.Helper()
	sec, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := secret.ParseKey(testSecretKey)
	sealer, err := secret.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := sealer.Seal(sec)
	if err != nil {
		t.Fatal(err)
	}
	return schemas.Subscription{ID: id, Name: "hook " + id, URL: url, Global: true, EventTypes: []string{"*"}, EncryptedSecret: sealed, AutoDisableAfter: schemas.DefaultAutoDisableAfter}, sec
}

// delivery is one request a receiver got.
type delivery struct {
	id        string // webhook-id
	status    int    // what the receiver answered
	body      []byte
	header    http.Header
	signedOK  bool
	userAgent string
	at        time.Time // when the request arrived
}

// receiver is a webhook endpoint on 127.0.0.1 whose answer to each request
// is decided by respond(webhook-id, n), n counting that id's requests from 1.
type receiver struct {
	t       testing.TB
	srv     *httptest.Server
	secrets []string
	respond func(id string, n int) int

	mu   sync.Mutex
	all  []delivery
	byID map[string]int
}

func newReceiver(t testing.TB, respond func(id string, n int) int) *receiver {
	r := &receiver{t: t, respond: respond, byID: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	arrived := time.Now()
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	r.byID[id]++
	n := r.byID[id]
	secrets := r.secrets
	r.mu.Unlock()
	status := r.respond(id, n)
	d := delivery{id: id, status: status, body: body, header: req.Header.Clone(), userAgent: req.Header.Get("User-Agent"), at: arrived}
	if len(secrets) > 0 {
		d.signedOK = signature.Verify(req.Header, body, secrets, time.Now(), signature.DefaultTolerance) == nil
	}
	r.mu.Lock()
	r.all = append(r.all, d)
	r.mu.Unlock()
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"received":%q}`, id)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.all...)
}

// arrived counts requests as they come in, answered or not.
func (r *receiver) arrived() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.byID {
		n += c
	}
	return n
}

// count is the number of requests answered.
func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.all) }

// succeeded returns how many 2xx answers each webhook-id got.
func (r *receiver) succeeded() map[string]int {
	out := map[string]int{}
	for _, d := range r.deliveries() {
		if d.status >= 200 && d.status < 300 {
			out[d.id]++
		}
	}
	return out
}

// produceTask writes a delivery task for (eventID, webhookID) as the router
// would, and returns its delivery id.
func produceTask(t testing.TB, env *kafkatest.Env, client *kgo.Client, webhookID, eventID string) string {
	t.Helper()
	rec, id := taskRecord(t, env, webhookID, eventID)
	if err := client.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return id
}

func taskRecord(t testing.TB, env *kafkatest.Env, webhookID, eventID string) (*kgo.Record, string) {
	t.Helper()
	now := time.Now().UTC()
	ev, _ := json.Marshal(map[string]any{"eventId": eventID, "eventType": "entityCreated", "timestamp": now.UnixMilli(),
		"entity": map[string]any{"id": "e-" + eventID, "type": "table", "name": "orders"}})
	task := schemas.DeliveryTask{
		DeliveryID: source.DeliveryID(eventID, webhookID), WebhookID: webhookID, EventID: eventID, EventType: "entityCreated",
		Event: string(ev), EventTime: now, RoutedAt: now, Attempt: 1, NotBefore: now,
	}
	b, err := env.Serde.Encode(&task)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: env.Names.Deliveries, Key: []byte(webhookID), Value: b}, task.DeliveryID
}

// collector keeps every value of a topic as it arrives.
type collector[T any] struct {
	mu  sync.Mutex
	all []T
}

func collect[T any](t *testing.T, env *kafkatest.Env, topicName string) *collector[T] {
	c := &collector[T]{}
	watchTopic(t, env, topicName, func(v T) { c.mu.Lock(); c.all = append(c.all, v); c.mu.Unlock() })
	return c
}

func (c *collector[T]) snapshot() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.all...)
}

func (c *collector[T]) count(keep func(T) bool) int {
	n := 0
	for _, v := range c.snapshot() {
		if keep(v) {
			n++
		}
	}
	return n
}
