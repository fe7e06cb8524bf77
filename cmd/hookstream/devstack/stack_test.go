package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

func testConfig(dir string) Config {
	return Config{
		Common: config.Common{
			TopicPrefix: topic.DefaultPrefix, RetryTiers: config.Durations(topic.DefaultRetryTiers),
			Partitions: 3, LogLevel: "info",
		},
		DataDir: dir, APIAddr: "127.0.0.1:0", KafkaAddr: "127.0.0.1:0", RegistryAddr: "127.0.0.1:0",
		Webhooks: config.DefaultWebhooks(),
	}
}

func start(t *testing.T, cfg Config) *Stack {
	t.Helper()
	s, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func serdeFor(t *testing.T, s *Stack) *schemas.Serde {
	t.Helper()
	c, err := sr.NewClient(sr.URLs(s.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	return schemas.NewSerde(c, schemas.MustLoad())
}

func subjectIDs(t *testing.T, s *Stack) map[string]int {
	t.Helper()
	c, err := sr.NewClient(sr.URLs(s.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	subjects, err := c.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, subj := range subjects {
		ss, err := c.SchemaByVersion(ctx, subj, -1)
		if err != nil {
			t.Fatal(err)
		}
		ids[subj] = ss.ID
	}
	return ids
}

func TestRestartKeepsTopicsRecordsAndSchemaIDs(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	ctx := context.Background()
	names := cfg.Names()

	first := start(t, cfg)
	if code := getStatus(t, first.APIURL+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz %d", code)
	}
	ids := subjectIDs(t, first)
	if len(ids) != len(names.Specs(1))-1 {
		t.Fatalf("%d subjects registered: %v", len(ids), ids)
	}
	serde := serdeFor(t, first)
	if _, err := serde.Register(ctx, schemas.Subject(names.Deliveries), "DeliveryTask"); err != nil {
		t.Fatal(err)
	}
	var sent []schemas.DeliveryTask
	producer, err := kgo.NewClient(kgo.SeedBrokers(first.KafkaAddr))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		task := schemas.DeliveryTask{
			DeliveryID: fmt.Sprintf("d-%d", i), WebhookID: fmt.Sprintf("w-%d", i%4), EventID: "e", EventType: "entityCreated",
			Event: "{}", EventTime: time.UnixMilli(1_700_000_000_000 + int64(i)).UTC(), RoutedAt: time.UnixMilli(1_700_000_000_000).UTC(),
			NotBefore: time.UnixMilli(1_700_000_000_000).UTC(), Attempt: 1, SourcePartition: -1, SourceOffset: -1,
		}
		b, err := serde.Encode(&task)
		if err != nil {
			t.Fatal(err)
		}
		if err := producer.ProduceSync(ctx, &kgo.Record{Topic: names.Deliveries, Key: []byte(task.WebhookID), Value: b}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, task)
	}
	producer.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := start(t, cfg)
	defer second.Close()
	if second.AdminToken != first.AdminToken {
		t.Errorf("admin token changed across restart")
	}
	if got := subjectIDs(t, second); !reflect.DeepEqual(got, ids) {
		t.Fatalf("schema ids changed across restart:\n before %v\n after  %v", ids, got)
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(second.KafkaAddr), kgo.ConsumeTopics(names.Deliveries),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	fresh := serdeFor(t, second) // knows no ids: must fetch them from the restored registry
	got := map[string]schemas.DeliveryTask{}
	pollCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for len(got) < len(sent) && pollCtx.Err() == nil {
		consumer.PollFetches(pollCtx).EachRecord(func(r *kgo.Record) {
			var task schemas.DeliveryTask
			if err := fresh.Decode(ctx, r.Value, &task); err != nil {
				t.Errorf("decode after restart: %v", err)
				return
			}
			got[task.DeliveryID] = task
		})
	}
	for _, want := range sent {
		if !reflect.DeepEqual(got[want.DeliveryID], want) {
			t.Errorf("after restart %s = %+v, want %+v", want.DeliveryID, got[want.DeliveryID], want)
		}
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode
}
