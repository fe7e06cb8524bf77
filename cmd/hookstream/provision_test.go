package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

// TestProvisionCreatesTopicsAndSchemasIdempotently runs `hookstream
// provision` twice on a prefix nothing created yet: every topic exists with
// its partitions and every value schema is registered, and the second run is
// a no-op that succeeds.
func TestProvisionCreatesTopicsAndSchemasIdempotently(t *testing.T) {
	e := startProduceEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	names := topic.NewNames(e.names.Prefix+"prov.", []time.Duration{time.Second, 2 * time.Second})
	specs := names.Specs(2)
	adm := kadm.NewClient(e.admin)
	t.Cleanup(func() {
		all := make([]string, 0, len(specs))
		for _, s := range specs {
			all = append(all, s.Name)
		}
		_, _ = adm.DeleteTopics(context.Background(), all...)
	})
	args := []string{"--brokers", e.brokers, "--registry", e.registry, "--topic-prefix", names.Prefix,
		"--retry-tiers", "1s,2s", "--partitions", "2"}
	for run := 1; run <= 2; run++ {
		var out, errOut bytes.Buffer
		if err := runProvision(ctx, args, &out, &errOut, func(string) string { return "" }); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, errOut.String())
		}
		if !strings.Contains(out.String(), "provisioned") {
			t.Errorf("run %d printed %q", run, out.String())
		}
	}
	details, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := sr.NewClient(sr.URLs(e.registry))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		d, ok := details[s.Name]
		if !ok {
			t.Errorf("topic %s was not created", s.Name)
			continue
		}
		if s.Partitions > 0 && int32(len(d.Partitions)) != s.Partitions {
			t.Errorf("topic %s has %d partitions, want %d", s.Name, len(d.Partitions), s.Partitions)
		}
		if s.Record == "" {
			continue
		}
		if _, err := registry.SchemaByVersion(ctx, schemas.Subject(s.Name), -1); err != nil {
			t.Errorf("schema of %s: %v", s.Name, err)
		}
	}
}

// TestProvisionOverSASLAndTLS connects as a deployment on a secured cluster
// would: SCRAM-SHA-512 over TLS to the brokers and basic auth over TLS to
// the registry, every setting from its HOOKSTREAM_* twin.
func TestProvisionOverSASLAndTLS(t *testing.T) {
	ca, err := kafkatest.NewCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(ca.Server), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "hookstream", "kafka-pass"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	reg, err := registry.New(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "sr-key" || p != "sr-secret" {
			http.Error(w, `{"error_code":401,"message":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	srv.TLS = ca.Server
	srv.StartTLS()
	defer srv.Close()

	env := map[string]string{
		"HOOKSTREAM_BROKERS":              strings.Join(cluster.ListenAddrs(), ","),
		"HOOKSTREAM_REGISTRY":             srv.URL,
		"HOOKSTREAM_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
		"HOOKSTREAM_KAFKA_SASL_USERNAME":  "hookstream",
		"HOOKSTREAM_KAFKA_SASL_PASSWORD":  "kafka-pass",
		"HOOKSTREAM_KAFKA_TLS_CA":         ca.CAFile,
		"HOOKSTREAM_REGISTRY_USERNAME":    "sr-key",
		"HOOKSTREAM_REGISTRY_PASSWORD":    "sr-secret",
		"HOOKSTREAM_REGISTRY_TLS_CA":      ca.CAFile,
		"HOOKSTREAM_PARTITIONS":           "1",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := runProvision(ctx, nil, &out, &errOut, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("provision: %v\n%s", err, errOut.String())
	}
	if strings.Contains(errOut.String(), "kafka-pass") || strings.Contains(errOut.String(), "sr-secret") {
		t.Errorf("a password reached the log: %s", errOut.String())
	}
	// The registry holds every value schema, and the topics exist on the
	// secured cluster.
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/subjects", nil))
	names := topic.NewNames(topic.DefaultPrefix, topic.DefaultRetryTiers)
	if !strings.Contains(rec.Body.String(), schemas.Subject(names.Deliveries)) {
		t.Errorf("registry subjects after provision: %s", rec.Body.String())
	}
	opts, err := kafka.Options(config.Connection{Brokers: cluster.ListenAddrs(), Security: config.Security{
		KafkaSASL: config.SASL{Mechanism: "SCRAM-SHA-512", Username: "hookstream", Password: "kafka-pass"},
		KafkaTLS:  config.TLS{CAFile: ca.CAFile}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	topics, err := kadm.NewClient(admin).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range names.Specs(1) {
		if !topics.Has(s.Name) {
			t.Errorf("topic %s missing on the secured cluster", s.Name)
		}
	}

	// The same settings with a wrong password must not get in.
	env["HOOKSTREAM_KAFKA_SASL_PASSWORD"] = "wrong"
	shortCtx, cancelShort := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShort()
	if err := runProvision(shortCtx, nil, &out, &errOut, func(k string) string { return env[k] }); err == nil {
		t.Error("provision with a wrong SASL password succeeded")
	}
}
