package integration

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

func TestProvisioningIsIdempotentAndConfigured(t *testing.T) {
	env := kafkatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(env.Admin)
	specs := env.Names.Specs(env.Partitions)
	// Start already provisioned once; a second run must change nothing.
	if err := provision.Topics(ctx, adm, specs, -1); err != nil {
		t.Fatalf("second provisioning: %v", err)
	}
	details, err := adm.ListTopics(ctx, topicNames(specs)...)
	if err != nil {
		t.Fatal(err)
	}
	configs, err := adm.DescribeTopicConfigs(ctx, topicNames(specs)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		d, ok := details[s.Name]
		if !ok || d.Err != nil {
			t.Errorf("topic %s missing: %v", s.Name, d.Err)
			continue
		}
		if int32(len(d.Partitions)) != s.Partitions {
			t.Errorf("%s has %d partitions, want %d", s.Name, len(d.Partitions), s.Partitions)
		}
		rc, err := configs.On(s.Name, nil)
		if err != nil {
			t.Errorf("%s configs: %v", s.Name, err)
			continue
		}
		for k, want := range s.Configs {
			got := ""
			for _, c := range rc.Configs {
				if c.Key == k && c.Value != nil {
					got = *c.Value
				}
			}
			if got != want {
				t.Errorf("%s: %s = %q, want %q", s.Name, k, got, want)
			}
		}
	}
}

func TestEveryEventRoundTripsThroughTheBroker(t *testing.T) {
	env := kafkatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	meta := &schemas.MetadataChangeEvent{
		EventID: "00000000-0000-4000-8000-000000000001", EventType: "tagAdded", Timestamp: 1_700_000_000_123,
		Entity: schemas.Entity{ID: "t-1", Type: "table", Name: "orders", Tags: []string{"PII.Sensitive"}, CustomMetadata: map[string]string{}},
		Actor:  "alice",
	}
	wf := &schemas.WorkflowCompletionEvent{
		EventID: "00000000-0000-4000-8000-000000000002", StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z",
		RunTime: 616, WorkflowID: "wf", RunID: "run", WorkflowName: "nightly", Status: "failed",
		FailedSteps: []string{"extract"}, RunningSteps: []string{}, LastThreeRuns: []string{}, PotentialIssues: []string{},
	}
	for _, rec := range []struct {
		topic string
		key   string
		v     any
	}{{env.Names.MetadataChanges, meta.Entity.ID, meta}, {env.Names.WorkflowCompletion, wf.WorkflowID, wf}} {
		b, err := env.Serde.Encode(rec.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Admin.ProduceSync(ctx, &kgo.Record{Topic: rec.topic, Key: []byte(rec.key), Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// Garbage beside the good records: it must be refused with a typed error.
	if err := env.Admin.ProduceSync(ctx, &kgo.Record{Topic: env.Names.MetadataChanges, Key: []byte("t-1"), Value: []byte("not avro")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// A consumer with a fresh serde fetches the writer schemas by id.
	client, err := sr.NewClient(sr.URLs(env.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	fresh := schemas.NewSerde(client, schemas.MustLoad())
	records := consumeAll(ctx, t, env, 3, env.Names.MetadataChanges, env.Names.WorkflowCompletion)
	var gotMeta schemas.MetadataChangeEvent
	var gotWf schemas.WorkflowCompletionEvent
	var rejected int
	for _, r := range records {
		var err error
		if r.Topic == env.Names.WorkflowCompletion {
			err = fresh.Decode(ctx, r.Value, &gotWf)
		} else {
			var m schemas.MetadataChangeEvent
			if err = fresh.Decode(ctx, r.Value, &m); err == nil {
				gotMeta = m
			}
		}
		if err != nil {
			if !errors.Is(err, schemas.ErrBadHeader) && !errors.Is(err, schemas.ErrUnknownSchemaID) {
				t.Errorf("garbage gave %v", err)
			}
			rejected++
		}
	}
	if rejected != 1 {
		t.Errorf("%d records rejected, want 1", rejected)
	}
	if !reflect.DeepEqual(&gotMeta, meta) || !reflect.DeepEqual(&gotWf, wf) {
		t.Errorf("round trip differs:\n%+v\n%+v", gotMeta, gotWf)
	}
}

func TestRegistryKeepsSchemaIDsInKafka(t *testing.T) {
	env := kafkatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := latestIDs(ctx, t, env.RegistryURL)
	if len(before) == 0 {
		t.Fatal("no subjects registered")
	}
	// A second registry process over the same topic serves the same ids.
	after := latestIDs(ctx, t, env.StartRegistry(t))
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("ids differ after restore:\n%v\n%v", before, after)
	}
}

func latestIDs(ctx context.Context, t *testing.T, url string) map[string]int {
	t.Helper()
	c, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := c.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, s := range subjects {
		ss, err := c.SchemaByVersion(ctx, s, -1)
		if err != nil {
			t.Fatal(err)
		}
		ids[s+"@"+strconv.Itoa(ss.Version)] = ss.ID
	}
	return ids
}

func consumeAll(ctx context.Context, t *testing.T, env *kafkatest.Env, n int, topics ...string) []*kgo.Record {
	t.Helper()
	c, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []*kgo.Record
	for len(out) < n {
		fs := c.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, ctx.Err())
		}
		out = append(out, fs.Records()...)
	}
	return out
}

func topicNames(specs []topic.Spec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}
