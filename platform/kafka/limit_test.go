package kafka_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/kafka"
)

// The largest record Fits accepts is produced; one the client refuses is
// one Fits refuses too: Fits and the client's limit are the same fact.
func TestFitsIsTheProducersLimit(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "limit"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	opts, err := kafka.Options(config.Connection{Brokers: cluster.ListenAddrs(), ClientID: "limit-test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	largest := &kgo.Record{Topic: "limit", Key: []byte("key"), Headers: []kgo.RecordHeader{{Key: "reason", Value: []byte("why")}}}
	largest.Value = make([]byte, kafka.MaxRecordBatchBytes-kafka.RecordBytes(largest))
	if !kafka.Fits(largest) {
		t.Fatalf("a record of %d bytes does not fit", kafka.RecordBytes(largest))
	}
	if err := client.ProduceSync(ctx, largest).FirstErr(); err != nil {
		t.Fatalf("the largest record that fits was refused: %v", err)
	}

	over := &kgo.Record{Topic: "limit", Value: make([]byte, kafka.MaxRecordBatchBytes)}
	if kafka.Fits(over) {
		t.Fatal("a value of the whole limit fits")
	}
	if err := client.ProduceSync(ctx, over).FirstErr(); !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("a record over the limit: %v, want MessageTooLarge", err)
	}
}
