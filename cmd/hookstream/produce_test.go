package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

// produceEnv is an in-process broker on 127.0.0.1 with the event topics, and a
// memory-only registry.
type produceEnv struct {
	brokers  string
	registry string
	names    topic.Names
	admin    *kgo.Client
	serde    *schemas.Serde
}

func startProduceEnv(t *testing.T) *produceEnv {
	t.Helper()
	k := kafkatest.Start(t)
	return &produceEnv{brokers: strings.Join(k.Brokers, ","), registry: k.RegistryURL, names: k.Names, admin: k.Admin, serde: k.Serde}
}

// run calls runProduce with env's connection flags; the environment is empty
// except for what env lists, so the host's HOOKSTREAM_* never leak in.
func (e *produceEnv) run(t *testing.T, stdin string, environ map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	args = append([]string{"--brokers", e.brokers, "--registry", e.registry, "--topic-prefix", e.names.Prefix}, args...)
	err = runProduce(ctx, args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return environ[k] })
	return out.String(), errOut.String(), err
}

// consume reads the records of topic up to its end offsets.
func (e *produceEnv) consume(t *testing.T, topicName string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(e.admin).ListEndOffsets(ctx, topicName)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(e.brokers, ",")...), kgo.ConsumeTopics(topicName),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records of %s", len(out), want, topicName)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

func (e *produceEnv) decodeMetadata(t *testing.T, recs []*kgo.Record) []schemas.MetadataChangeEvent {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(e.registry))
	if err != nil {
		t.Fatal(err)
	}
	serde := schemas.NewSerde(cl, schemas.MustLoad())
	out := make([]schemas.MetadataChangeEvent, len(recs))
	for i, r := range recs {
		if err := serde.Decode(context.Background(), r.Value, &out[i]); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if string(r.Key) != out[i].Entity.ID {
			t.Fatalf("record key %q, entity id %q", r.Key, out[i].Entity.ID)
		}
	}
	return out
}

const mixedLines = `{"eventType":"entityCreated","entity":{"id":"good-1","type":"table","name":"orders","tags":["PII.Sensitive"]}}
{"eventType":"entityCreated","entity":{"id":"bad-2","type":"table","name":"x","colour":"red"}}

{"eventType":"entityRenamed","entity":{"id":"bad-4","type":"table","name":"x"}}
{"eventType":"tagAdded","timestamp":1700000000123,"entity":{"id":"good-5","type":"column","name":"email"},"actor":"alice"}
{"eventType":"tagAdded","entity":{"id":"bad-6","type":"column"}}
not json at all
{"eventType":"entityUpdated","entity":{"id":"bad-8","type":"table","name":"x"},"changeDescription":{"fieldsUpdated":[{"name":"description","newValue":"unquoted"}]}}
{"eventType":"entityUpdated","entity":{"id":"bad-9","type":"table","name":42}}
{"eventType":"entityUpdated","entity":{"id":"good-10","type":"dashboard","name":"Revenue"},"changeDescription":{"fieldsUpdated":[{"name":"description","oldValue":"\"a\"","newValue":"\"b\""}]}}`

func TestProduceFileProducesExactlyTheGoodLines(t *testing.T) {
	env := startProduceEnv(t)
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(mixedLines+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := env.run(t, "", nil, "--type", "metadata", "--file", path)
	if err == nil || !strings.Contains(err.Error(), "6 of 9 events rejected") {
		t.Fatalf("error %v, want 6 of 9 rejected", err)
	}
	if stdout != "produced 3 events (6 rejected)\n" {
		t.Fatalf("stdout %q", stdout)
	}
	wantErrs := []string{
		"line 2: entity.colour: unknown field",
		`line 4: eventType: "entityRenamed" is not in the event catalogue`,
		"line 6: entity.name: required",
		"line 7: not a JSON object",
		`line 8: changeDescription.fieldsUpdated[0].newValue: not JSON text: "unquoted"`,
		"line 9: entity.name: want a string, have number",
	}
	gotErrs := strings.Split(strings.TrimSpace(stderr), "\n")
	sort.Strings(gotErrs)
	if strings.Join(gotErrs, "\n") != strings.Join(wantErrs, "\n") {
		t.Fatalf("stderr:\n%s\nwant:\n%s", stderr, strings.Join(wantErrs, "\n"))
	}
	events := env.decodeMetadata(t, env.consume(t, env.names.MetadataChanges))
	var ids []string
	for _, ev := range events {
		ids = append(ids, ev.Entity.ID)
		if ev.EventID == "" || ev.Timestamp == 0 {
			t.Errorf("%s: eventId/timestamp not filled: %+v", ev.Entity.ID, ev)
		}
	}
	sort.Strings(ids)
	if strings.Join(ids, ",") != "good-1,good-10,good-5" {
		t.Fatalf("produced %v, want exactly the good lines", ids)
	}
}

func TestProduceStdinAllGoodAndWorkflowType(t *testing.T) {
	env := startProduceEnv(t)
	in := `{"workflowId":"wf-1","runId":"r-1","workflowName":"nightly","status":"failed","startTime":"2026-05-12T06:00:02Z","endTime":"2026-05-12T06:10:18Z","runTime":616,"failedSteps":["extract"]}
{"workflowId":"wf-2","runId":"r-2","workflowName":"hourly","status":"succeeded","startTime":"2026-05-12T06:00:00Z","endTime":"2026-05-12T06:01:00Z"}
`
	stdout, stderr, err := env.run(t, in, nil, "--type", "workflow")
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	if stdout != "produced 2 events (0 rejected)\n" || stderr != "" {
		t.Fatalf("stdout %q stderr %q", stdout, stderr)
	}
	headers := map[string]string{}
	for _, r := range env.consume(t, env.names.WorkflowCompletion) {
		for _, h := range r.Headers {
			if h.Key == "eventType" {
				headers[string(r.Key)] = string(h.Value)
			}
		}
	}
	if headers["wf-1"] != "workflowFailed" || headers["wf-2"] != "workflowSucceeded" {
		t.Fatalf("headers by key: %v", headers)
	}
	// A metadata line fed as --type workflow is refused field by field.
	_, stderr, err = env.run(t, `{"eventType":"tagAdded"}`, nil, "--type", "workflow")
	if err == nil || stderr != "line 1: eventType: unknown field\n" {
		t.Fatalf("err %v stderr %q", err, stderr)
	}
}

func TestProduceSyntheticIsPacedAndCounted(t *testing.T) {
	env := startProduceEnv(t)
	// Flags from environment twins work like the command line.
	stdout, stderr, err := env.run(t, "", map[string]string{"HOOKSTREAM_SEED": "42"}, "--synthetic", "40", "--rate", "400")
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, stderr)
	}
	m := regexp.MustCompile(`^produced 40 events \(0 rejected\) in (\S+): ([0-9.]+) events/s\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout %q", stdout)
	}
	// 40 events at 400/s are due over 97.5ms: the run cannot be faster.
	if d, err := time.ParseDuration(m[1]); err != nil || d < 97*time.Millisecond {
		t.Fatalf("run took %s, faster than the rate allows", m[1])
	}
	if !strings.Contains(stderr, "synthetic seed 42") {
		t.Fatalf("stderr %q", stderr)
	}
	events := env.decodeMetadata(t, env.consume(t, env.names.MetadataChanges))
	if len(events) != 40 {
		t.Fatalf("%d events on the topic", len(events))
	}
	// The same seed gives the same events.
	if _, _, err := env.run(t, "", nil, "--synthetic", "40", "--seed", "42"); err != nil {
		t.Fatal(err)
	}
	again := env.decodeMetadata(t, env.consume(t, env.names.MetadataChanges))
	ids := map[string]int{}
	for _, ev := range again {
		ids[ev.EventID]++
	}
	for _, ev := range events {
		if ids[ev.EventID] != 2 {
			t.Fatalf("event %s of the first run not repeated by the same seed", ev.EventID)
		}
	}
	stdout, _, err = env.run(t, "", nil, "--synthetic", "30", "--type", "workflow")
	if err != nil || !strings.HasPrefix(stdout, "produced 30 events (0 rejected)") {
		t.Fatalf("workflow synthetic: %v %q", err, stdout)
	}
}

func TestProduceUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--type", "audit"},
		{"--synthetic", "5", "--file", "x.jsonl"},
		{"--rate", "-1"},
		{"--registry", ""},
		{"stray"},
		{"--no-such-flag"},
	} {
		var stderr bytes.Buffer
		err := runProduce(context.Background(), args, strings.NewReader(""), &bytes.Buffer{}, &stderr, func(string) string { return "" })
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: error %v, want a usage error", args, err)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: nothing said on stderr", args)
		}
	}
}

func TestProduceStopsCleanlyWhenCancelled(t *testing.T) {
	env := startProduceEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the first records are on the topic: a consumer blocks on
	// the fetch, so the test waits on the condition, not on a clock.
	go func() {
		defer cancel()
		cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(env.brokers, ",")...),
			kgo.ConsumeTopics(env.names.MetadataChanges), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			return
		}
		defer cl.Close()
		for n := 0; n < 5 && ctx.Err() == nil; {
			n += len(cl.PollFetches(ctx).Records())
		}
	}()
	var stdout, stderr bytes.Buffer
	args := []string{"--brokers", env.brokers, "--registry", env.registry, "--topic-prefix", env.names.Prefix,
		"--synthetic", "1000000", "--rate", "2000"}
	err := runProduce(ctx, args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled; stderr %s", err, stderr.String())
	}
	t.Logf("stdout %q, stderr %q", stdout.String(), stderr.String())
	m := regexp.MustCompile(`^produced (\d+) events \((\d+) rejected\)`).FindStringSubmatch(stdout.String())
	if m == nil || m[1] == "0" {
		t.Fatalf("stdout %q", stdout.String())
	}
}
