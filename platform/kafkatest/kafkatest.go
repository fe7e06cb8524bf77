// Package kafkatest gives each integration test a broker, a Schema Registry
// and a topic prefix of its own, so tests never see each other's records,
// whether they share a real broker or each start an in-process kfake.
package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/kafka/fakebroker"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/schemastore"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

// Env is one test's view of Kafka.
type Env struct {
	// Real is true against Apache Kafka, false against kfake.
	Real        bool
	Brokers     []string
	RegistryURL string
	Names       topic.Names
	Partitions  int32
	// Admin is a plain client for producing, consuming and kadm calls.
	Admin *kgo.Client
	// Serde has every value schema registered.
	Serde *schemas.Serde
}

// Tiers are millisecond retry tiers so tests never wait for minutes.
var Tiers = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

// Start returns an Env whose topics exist and whose schemas are registered.
func Start(t testing.TB) *Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := &Env{Real: os.Getenv("HOOKSTREAM_TEST_KAFKA") == "real", Partitions: 3}
	if env.Real {
		brokers := os.Getenv("HOOKSTREAM_TEST_BROKERS")
		if brokers == "" {
			t.Fatal("HOOKSTREAM_TEST_KAFKA=real needs HOOKSTREAM_TEST_BROKERS (scripts/test sets it from scripts/kafka-local)")
		}
		env.Brokers = strings.Split(brokers, ",")
	} else {
		// fakebroker: kfake with Kafka's liveness rules for group members
		// waiting in a rebalance (see its package doc).
		c, err := fakebroker.Start(nil, nil, kfake.NumBrokers(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		env.Brokers = c.ListenAddrs()
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := strings.Trim(unsafeChars.ReplaceAllString(t.Name(), "-"), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	env.Names = topic.NewNames("it."+name+"."+hex.EncodeToString(suffix)+".", Tiers)

	var err error
	env.Admin, err = kgo.NewClient(kgo.SeedBrokers(env.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Admin.Close)
	specs := env.Names.Specs(env.Partitions)
	if err := provision.Topics(ctx, kadm.NewClient(env.Admin), specs, -1); err != nil {
		t.Fatal(err)
	}
	if env.Real {
		t.Cleanup(func() { env.deleteTopics(specs) })
	}
	env.RegistryURL = env.StartRegistry(t)
	client, err := sr.NewClient(sr.URLs(env.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	env.Serde = schemas.NewSerde(client, schemas.MustLoad())
	if err := provision.Schemas(ctx, env.Serde, specs); err != nil {
		t.Fatal(err)
	}
	return env
}

// StartRegistry serves a registry whose schemas live in the env's schemas
// topic; a second one started later restores what the first registered.
func (e *Env) StartRegistry(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg, err := registry.New(ctx, schemastore.New(e.Admin, e.Names.Schemas, slog.New(slog.DiscardHandler)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func (e *Env) deleteTopics(specs []topic.Spec) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	_, _ = kadm.NewClient(e.Admin).DeleteTopics(ctx, names...)
}

// WaitFor polls cond every 20 ms until it returns nil or timeout passes.
// On timeout the test fails with the last error cond returned, so the
// message says what was last seen, not only that the wait ran out.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		lastErr := cond()
		if lastErr == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Reached is nil once got is at least want, else says how far it got: "3 of 5".
func Reached(got, want int) error {
	if got >= want {
		return nil
	}
	return fmt.Errorf("%d of %d", got, want)
}

// Equal is nil when got is want, else says what it is.
func Equal[T comparable](got, want T) error {
	if got == want {
		return nil
	}
	return fmt.Errorf("got %#v, want %#v", got, want)
}

// Named puts name before err and stays nil when err is, so that the
// parts of a condition joined with errors.Join say which is unmet.
func Named(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Missing is nil when nothing is missing, else names the first few.
func Missing(ids []string) error {
	const shown = 5
	switch {
	case len(ids) == 0:
		return nil
	case len(ids) > shown:
		return fmt.Errorf("%d missing: %s, ...", len(ids), strings.Join(ids[:shown], ", "))
	default:
		return fmt.Errorf("missing %s", strings.Join(ids, ", "))
	}
}
