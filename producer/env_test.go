package producer

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

// testEnv is an in-process broker (kfake, on 127.0.0.1) with the event topics
// and a Schema Registry, from kafkatest like the integration suite.
type testEnv struct {
	brokers     []string
	registryURL string
	names       topic.Names
	admin       *kgo.Client
}

const testPrefix = "test."

func startEnv(t testing.TB) *testEnv {
	t.Helper()
	k := kafkatest.Start(t)
	return &testEnv{brokers: k.Brokers, registryURL: k.RegistryURL, names: k.Names, admin: k.Admin}
}

// startRegistry serves a memory-only registry on a loopback port.
func startRegistry(t testing.TB) string {
	t.Helper()
	reg, err := registry.New(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func (e *testEnv) config() Config {
	return Config{Brokers: e.brokers, RegistryURL: e.registryURL, TopicPrefix: e.names.Prefix, ClientID: "producer-test"}
}

// consume reads n records from topics, from the start; it fails the test if
// they do not arrive within the timeout (it waits on the fetch, never sleeps).
func (e *testEnv) consume(t testing.TB, n int, topics ...string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records before timing out", len(out), n)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// count returns how many records topics hold, from their end offsets.
func (e *testEnv) count(t testing.TB, topics ...string) int64 {
	t.Helper()
	ends, err := kadm.NewClient(e.admin).ListEndOffsets(context.Background(), topics...)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// decoder is a serde with a fresh registry client, as a consumer would have.
func (e *testEnv) decoder(t testing.TB) *schemas.Serde {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(e.registryURL))
	if err != nil {
		t.Fatal(err)
	}
	return schemas.NewSerde(cl, schemas.MustLoad())
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
