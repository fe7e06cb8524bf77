package producer

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hookstream/hookstream/schemas"
)

func TestClientProducesDecodableRecordsWithKeyAndHeader(t *testing.T) {
	env := startEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := New(ctx, env.config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	meta := &schemas.MetadataChangeEvent{
		EventType: "entityUpdated",
		Entity: schemas.Entity{ID: "t-1", Type: "table", Name: "orders", Domain: "Sales",
			Owner: &schemas.Owner{Type: "user", Name: "alice"}, Tags: []string{"PII.Sensitive"}},
		ChangeDescription: &schemas.ChangeDescription{
			FieldsUpdated: []schemas.FieldChange{{Name: "description", OldValue: ptr(`"old"`), NewValue: ptr(`"new"`)}},
		},
		Actor: "alice",
	}
	before := time.Now().UnixMilli()
	if err := c.EmitMetadata(ctx, meta); err != nil {
		t.Fatal(err)
	}
	if meta.EventID == "" || meta.Timestamp < before {
		t.Fatalf("eventId/timestamp not filled in: %q %d", meta.EventID, meta.Timestamp)
	}
	wf := &schemas.WorkflowCompletionEvent{
		StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z", RunTime: 616,
		WorkflowID: "wf-1", RunID: "run-1", WorkflowName: "nightly", Status: "failed",
		FailedSteps: []string{"extract"},
	}
	if err := c.EmitWorkflow(ctx, wf); err != nil {
		t.Fatal(err)
	}

	// The async form: every callback runs once, Flush waits for all of them.
	var mu sync.Mutex
	var asyncErrs []error
	done := func(err error) { mu.Lock(); asyncErrs = append(asyncErrs, err); mu.Unlock() }
	asyncMeta := &schemas.MetadataChangeEvent{EventType: "tagAdded", Entity: schemas.Entity{ID: "t-2", Type: "column", Name: "email"}}
	asyncWf := &schemas.WorkflowCompletionEvent{StartTime: "2026-05-12T06:00:00Z", EndTime: "2026-05-12T06:00:00Z",
		WorkflowID: "wf-2", RunID: "run-2", WorkflowName: "hourly", Status: "succeeded"}
	if err := c.EmitMetadataAsync(ctx, asyncMeta, done); err != nil {
		t.Fatal(err)
	}
	if err := c.EmitWorkflowAsync(ctx, asyncWf, done); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(asyncErrs) != 2 || asyncErrs[0] != nil || asyncErrs[1] != nil {
		t.Fatalf("async outcomes: %v", asyncErrs)
	}
	mu.Unlock()

	recs := env.consume(t, 4, env.names.MetadataChanges, env.names.WorkflowCompletion)
	serde := env.decoder(t)
	want := map[string]struct {
		header string
		event  any
	}{
		"t-1":  {"entityUpdated", meta},
		"t-2":  {"tagAdded", asyncMeta},
		"wf-1": {"workflowFailed", wf},
		"wf-2": {"workflowSucceeded", asyncWf},
	}
	for _, r := range recs {
		w, ok := want[string(r.Key)]
		if !ok {
			t.Fatalf("unexpected record key %q", r.Key)
		}
		delete(want, string(r.Key))
		if got := header(r, HeaderEventType); got != w.header {
			t.Errorf("%s: eventType header %q, want %q", r.Key, got, w.header)
		}
		got := reflect.New(reflect.TypeOf(w.event).Elem())
		if err := serde.Decode(ctx, r.Value, got.Interface()); err != nil {
			t.Fatalf("%s: decode: %v", r.Key, err)
		}
		if !reflect.DeepEqual(got.Interface(), w.event) {
			t.Errorf("%s: decoded\n %+v\nwant\n %+v", r.Key, got.Interface(), w.event)
		}
		wantTopic := env.names.MetadataChanges
		if _, isWf := w.event.(*schemas.WorkflowCompletionEvent); isWf {
			wantTopic = env.names.WorkflowCompletion
		}
		if r.Topic != wantTopic {
			t.Errorf("%s: on topic %s, want %s", r.Key, r.Topic, wantTopic)
		}
	}
}

func TestClientRefusesInvalidEventsWithoutProducing(t *testing.T) {
	env := startEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := env.config()
	cfg.ExtraEventTypes = []string{"policyApplied"}
	c, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var ve *ValidationError
	err = c.EmitMetadata(ctx, &schemas.MetadataChangeEvent{EventType: "entityCreated", Entity: schemas.Entity{Type: "table", Name: "x"}})
	if !errors.As(err, &ve) || ve.Field != "entity.id" || err.Error() != "entity.id: required" {
		t.Fatalf("missing entity id: %v", err)
	}
	err = c.EmitWorkflow(ctx, &schemas.WorkflowCompletionEvent{WorkflowID: "w", RunID: "r", WorkflowName: "n", Status: "running"})
	if !errors.As(err, &ve) || ve.Field != "status" {
		t.Fatalf("bad status: %v", err)
	}
	var called []error
	err = c.EmitMetadataAsync(ctx, &schemas.MetadataChangeEvent{EventType: "nope", Entity: schemas.Entity{ID: "1", Type: "t", Name: "n"}},
		func(err error) { called = append(called, err) })
	if !errors.As(err, &ve) || ve.Field != "eventType" || len(called) != 1 || called[0] != err {
		t.Fatalf("async invalid: returned %v, callbacks %v", err, called)
	}
	// A type from ExtraEventTypes is accepted.
	if err := c.EmitMetadata(ctx, &schemas.MetadataChangeEvent{EventType: "policyApplied", Entity: schemas.Entity{ID: "1", Type: "table", Name: "n"}}); err != nil {
		t.Fatal(err)
	}
	if n := env.count(t, env.names.MetadataChanges, env.names.WorkflowCompletion); n != 1 {
		t.Fatalf("topics hold %d records, want only the valid one", n)
	}
}

func TestNewFailsWhenTheRegistryIsUnreachable(t *testing.T) {
	env := startEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := env.config()
	cfg.RegistryURL = "http://127.0.0.1:1" // nothing listens on port 1
	if c, err := New(ctx, cfg); err == nil {
		c.Close()
		t.Fatal("New succeeded without a registry")
	}
}

func ptr[T any](v T) *T { return &v }

func TestNewFailsWhenNoBrokerAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := Config{Brokers: []string{"127.0.0.1:1"}, RegistryURL: startRegistry(t)} // nothing listens on port 1
	start := time.Now()
	if c, err := New(ctx, cfg); err == nil {
		c.Close()
		t.Fatal("New succeeded without a broker")
	} else {
		t.Logf("after %s: %v", time.Since(start).Round(time.Millisecond), err)
	}
}
