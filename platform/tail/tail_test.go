package tail

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func cluster(t *testing.T, topics ...string) (*kgo.Client, []string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl, c.ListenAddrs()
}

func produce(t *testing.T, cl *kgo.Client, topic string, partition int32, values ...string) {
	t.Helper()
	for _, v := range values {
		r := &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// produceTxn writes values in one committed transaction, so the partition
// ends with a commit marker: the last offset below the end holds no record.
func produceTxn(t *testing.T, brokers []string, topic string, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.TransactionalID("tail-test"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
}

type seen struct {
	mu     sync.Mutex
	values []string
}

func (s *seen) apply(_ context.Context, r *kgo.Record) {
	s.mu.Lock()
	s.values = append(s.values, string(r.Value))
	s.mu.Unlock()
}

func (s *seen) sorted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.values))
}

func TestLoadReadsToTheEndThroughTransactionMarkers(t *testing.T) {
	cl, brokers := cluster(t, "t")
	produce(t, cl, "t", 0, "a", "b")
	produce(t, cl, "t", 1, "c")
	produceTxn(t, brokers, "t", "d") // partition 0, then its commit marker
	var s seen
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := New(cl.Opts(), s.apply, slog.New(slog.DiscardHandler), "t").Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := s.sorted(), []string{"a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Fatalf("loaded %v, want %v", got, want)
	}
}

func TestLoadOfAnEmptyTopicReturns(t *testing.T) {
	cl, _ := cluster(t, "t")
	var s seen
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := New(cl.Opts(), s.apply, slog.New(slog.DiscardHandler), "t").Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.sorted(); len(got) != 0 {
		t.Fatalf("loaded %v from an empty topic", got)
	}
}

func TestRunIsReadyAfterTheBacklogAndThenFollows(t *testing.T) {
	cl, _ := cluster(t, "t", "u")
	for i := range 50 {
		produce(t, cl, "t", int32(i%2), fmt.Sprint("old", i))
	}
	var s seen
	tl := New(cl.Opts(), s.apply, slog.New(slog.DiscardHandler), "t", "u")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	select {
	case <-tl.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("not ready within 20 s")
	}
	if got := len(s.sorted()); got != 50 {
		t.Fatalf("ready with %d of 50 records applied", got)
	}
	produce(t, cl, "u", 1, "new")
	deadline := time.Now().Add(20 * time.Second)
	for !slices.Contains(s.sorted(), "new") {
		if time.Now().After(deadline) {
			t.Fatalf("a record written after Ready was not followed; applied %d", len(s.sorted()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestRangeReadsOnlyBetweenItsOffsets(t *testing.T) {
	cl, _ := cluster(t, "t")
	produce(t, cl, "t", 0, "0", "1", "2", "3", "4")
	produce(t, cl, "t", 1, "x", "y")
	var s seen
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	from := Offsets{"t": {0: 1, 1: 0}}
	to := Offsets{"t": {0: 3, 1: 0}} // partition 1: an empty range
	if err := Range(ctx, cl.Opts(), from, to, s.apply); err != nil {
		t.Fatal(err)
	}
	if got, want := s.sorted(), []string{"1", "2"}; !slices.Equal(got, want) {
		t.Fatalf("range read %v, want %v", got, want)
	}
}

func TestFromResumesAtACheckpointAndFollows(t *testing.T) {
	cl, _ := cluster(t, "t")
	produce(t, cl, "t", 0, "a0", "a1", "a2", "a3")
	produce(t, cl, "t", 1, "b0", "b1")
	var s seen
	tl := New(cl.Opts(), s.apply, slog.New(slog.DiscardHandler), "t")
	// Partition 0 applied up to a1; partition 1 to its end.
	tl.From(Offsets{"t": {0: 2, 1: 2}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-tl.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("not ready within 20 s")
	}
	if got, want := s.sorted(), []string{"a2", "a3"}; !slices.Equal(got, want) {
		t.Fatalf("ready having applied %v, want %v", got, want)
	}
	produce(t, cl, "t", 1, "b2")
	deadline := time.Now().Add(20 * time.Second)
	for !slices.Contains(s.sorted(), "b2") {
		if time.Now().After(deadline) {
			t.Fatalf("a partition read to its end at start was not followed: %v", s.sorted())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
