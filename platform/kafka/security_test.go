package kafka_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/kafkatest"
)

// ping connects with conn's options and asks the brokers for metadata.
func ping(t *testing.T, conn config.Connection) error {
	t.Helper()
	opts, err := kafka.Options(conn, nil)
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	client, err := kgo.NewClient(append(opts, kgo.RetryTimeout(time.Second), kgo.RequestRetries(0))...)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return client.Ping(ctx)
}

func TestSASLMechanismsAuthenticateAgainstKfake(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser(config.SASLPlain, "plain-user", "plain-pass"),
		kfake.Superuser(config.SASLScramSHA256, "scram256-user", "scram256-pass"),
		kfake.Superuser(config.SASLScramSHA512, "scram512-user", "scram512-pass"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	for _, tc := range []struct {
		mechanism, user, pass string
		ok                    bool
	}{
		{"PLAIN", "plain-user", "plain-pass", true},
		{"SCRAM-SHA-256", "scram256-user", "scram256-pass", true},
		{"scram-sha-512", "scram512-user", "scram512-pass", true},
		{"PLAIN", "plain-user", "wrong", false},
		{"SCRAM-SHA-512", "scram512-user", "wrong", false},
		{"SCRAM-SHA-256", "scram512-user", "scram512-pass", false},
		{"", "", "", false},
	} {
		conn := config.Connection{Brokers: cluster.ListenAddrs(), ClientID: "sasl-test",
			Security: config.Security{KafkaSASL: config.SASL{Mechanism: tc.mechanism, Username: tc.user, Password: tc.pass}}}
		err := ping(t, conn)
		if tc.ok && err != nil {
			t.Errorf("%s as %s: %v", tc.mechanism, tc.user, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s as %s with a wrong password or mechanism was let in", tc.mechanism, tc.user)
		}
	}
}

func TestTLSBrokerNeedsItsCA(t *testing.T) {
	ca, err := kafkatest.NewCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(ca.Server), kfake.EnableSASL(),
		kfake.Superuser(config.SASLScramSHA512, "u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	sasl := config.SASL{Mechanism: config.SASLScramSHA512, Username: "u", Password: "p"}
	withCA := config.Connection{Brokers: cluster.ListenAddrs(), ClientID: "tls-test",
		Security: config.Security{KafkaSASL: sasl, KafkaTLS: config.TLS{CAFile: ca.CAFile}}}
	if err := ping(t, withCA); err != nil {
		t.Errorf("TLS with the CA: %v", err)
	}
	systemRoots := withCA
	systemRoots.Security.KafkaTLS = config.TLS{Enabled: true}
	if err := ping(t, systemRoots); err == nil {
		t.Error("a certificate from an unknown CA was trusted")
	}
	plaintext := withCA
	plaintext.Security.KafkaTLS = config.TLS{}
	if err := ping(t, plaintext); err == nil {
		t.Error("a plaintext client reached a TLS listener")
	}
}

func TestRegistryClientSendsBasicAuthOverTLS(t *testing.T) {
	ca, err := kafkatest.NewCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "key" || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"error_code": 401, "message": "unauthorized"})
			return
		}
		_ = json.NewEncoder(w).Encode([]string{"hookstream.deliveries-value"})
	}))
	srv.TLS = ca.Server
	srv.StartTLS()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name string
		sec  config.Security
		ok   bool
	}{
		{"CA and credentials", config.Security{RegistryUsername: "key", RegistryPassword: "secret", RegistryTLS: config.TLS{CAFile: ca.CAFile}}, true},
		{"wrong password", config.Security{RegistryUsername: "key", RegistryPassword: "nope", RegistryTLS: config.TLS{CAFile: ca.CAFile}}, false},
		{"no CA", config.Security{RegistryUsername: "key", RegistryPassword: "secret"}, false},
	} {
		client, err := kafka.Registry(config.Connection{Registry: srv.URL, Security: tc.sec})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		subjects, err := client.Subjects(ctx)
		if tc.ok && (err != nil || len(subjects) != 1) {
			t.Errorf("%s: subjects %v, %v", tc.name, subjects, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: succeeded", tc.name)
		}
	}
}
