package schemas_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/registry"
)

func ptr[T any](v T) *T { return &v }

var at = time.Date(2026, 5, 12, 6, 0, 2, 123e6, time.UTC)

// samples holds one fully populated value of every record type.
func samples() []any {
	task := schemas.DeliveryTask{
		DeliveryID: "d-1", WebhookID: "w-1", EventID: "6f1c5d8e-0000-4000-8000-000000000001",
		EventType: "entityCreated", Event: `{"eventId":"x"}`, EventTime: at,
		SourceTopic: "hookstream.metadata-changes", SourcePartition: 3, SourceOffset: 42,
		RoutedAt: at.Add(time.Millisecond), Attempt: 2, NotBefore: at.Add(time.Minute),
		LastError: "500 Internal Server Error", OriginalDeliveryID: "d-0", ReplayID: "r-1",
	}
	return []any{
		&schemas.MetadataChangeEvent{
			EventID: "6f1c5d8e-0000-4000-8000-000000000001", EventType: "entityUpdated", Timestamp: at.UnixMilli(),
			Entity: schemas.Entity{
				ID: "e-1", Type: "table", Name: "orders", FullyQualifiedName: "db.sales.orders",
				Description: "all orders", Owner: &schemas.Owner{Type: "user", Name: "alice"},
				Tags: []string{"PII.Sensitive", "Tier.Tier1"}, Domain: "Sales",
				CustomMetadata: map[string]string{"steward": `"bob"`},
			},
			ChangeDescription: &schemas.ChangeDescription{
				FieldsAdded:   []schemas.FieldChange{{Name: "tags", NewValue: ptr(`["PII.Sensitive"]`)}},
				FieldsUpdated: []schemas.FieldChange{{Name: "description", OldValue: ptr(`"old"`), NewValue: ptr(`"all orders"`)}},
				FieldsDeleted: []schemas.FieldChange{{Name: "owner", OldValue: ptr(`{"name":"carol"}`)}},
			},
			Actor: "alice",
		},
		&schemas.WorkflowCompletionEvent{
			EventID: "6f1c5d8e-0000-4000-8000-000000000002", Domain: "tenant.atlan.com",
			StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18Z", RunTime: 616,
			WorkflowTemplate: "atlan", PackageName: "@atlan/snowflake", WorkflowID: "wf-1", RunID: "run-1",
			IsSchedule: true, WorkflowName: "nightly", CronString: "*/30 * * * *", NextRunInMinutes: 30,
			FailedSteps: []string{"extract"}, RunningSteps: []string{}, AssetsCreated: 1, AssetsUpdated: 2,
			AssetsDeleted: 3, LastThreeRuns: []string{"Succeeded", "Failed", "Failed"}, RecurringFailuresInDays: 2,
			IsFirstRun: false, IsEverRunSuccessfully: true, Status: "failed", PotentialIssues: []string{"auth"},
		},
		&schemas.Subscription{
			ID: "w-1", Name: "orders", Description: "d", URL: "https://example.com/hook", Method: "PUT",
			Enabled: true, Owner: "alice", Global: false, ActionType: "received", EventTypes: []string{"entityCreated", "tagAdded"},
			Filters: schemas.Filters{
				EntityTypes: []string{"table"}, Include: []string{"description"}, Exclude: []string{"usageSummary"},
				Domains: []string{"Sales"}, Tags: []string{"PII.Sensitive"}, WorkflowNames: []string{"nightly"},
				PackageNames: []string{"@atlan/snowflake"},
			},
			PayloadFormat: "slack", Headers: map[string]string{"Accept": "application/json"},
			SealedHeaders: map[string][]byte{"Authorization": {7, 8, 9}}, Signature: "hmac-sha256",
			EncryptedSecret: []byte{1, 2, 3}, PreviousEncryptedSecret: []byte{4, 5},
			PreviousSecretExpiresAt: ptr(at.Add(24 * time.Hour)), TimeoutSeconds: 5, BatchSize: 10,
			MaxAttempts: 4, RateLimitPerSecond: 2.5, AutoDisableAfter: 23, CreatedAt: at, UpdatedAt: at.Add(time.Hour),
			CreatedBy: "alice",
		},
		&schemas.SubscriptionStatus{
			WebhookID: "w-1", Status: "awaitingRetry", ConsecutiveFailures: 3, LastSuccessAt: ptr(at),
			LastFailureAt: ptr(at.Add(time.Second)), LastStatusCode: 503, LastFailureReason: "503 Service Unavailable",
			NextAttemptAt: ptr(at.Add(time.Minute)), UpdatedAt: at,
		},
		&task,
		&schemas.DeliveryAttempt{
			AttemptID: "a-1", DeliveryID: "d-1", WebhookID: "w-1", EventID: "e", EventType: "entityCreated",
			Attempt: 1, Tier: "retry.1m", Outcome: "retry", StatusCode: 500, LatencyMs: 12, Error: "500",
			RequestHeaders: map[string]string{"webhook-id": "d-1"}, ResponseSnippet: "oops", Event: "{}",
			NextAttemptAt: ptr(at.Add(time.Minute)), Timestamp: at,
		},
		&schemas.DeadLetter{Task: task, Reason: "retry limit reached", LastStatusCode: 500, Attempts: 7, DeadLetteredAt: at},
		&schemas.RejectedRecord{
			Topic: "hookstream.metadata-changes", Partition: 1, Offset: 9, Reason: "bad magic byte",
			Component: "router", Key: []byte("k"), Value: []byte{0xff, 0x00}, RejectedAt: at,
		},
	}
}

func newSerde(t testing.TB) (*schemas.Serde, *sr.Client) {
	t.Helper()
	reg, err := registry.New(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	client, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return schemas.NewSerde(client, schemas.MustLoad()), client
}

func TestRoundTripEverySchema(t *testing.T) {
	serde, _ := newSerde(t)
	ctx := context.Background()
	seen := map[string]bool{}
	for _, v := range samples() {
		name := reflect.TypeOf(v).Elem().Name()
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			if _, err := serde.Register(ctx, schemas.Subject("test."+name), name); err != nil {
				t.Fatal(err)
			}
			b, err := serde.Encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0 {
				t.Fatalf("magic byte %d", b[0])
			}
			out := reflect.New(reflect.TypeOf(v).Elem())
			if err := serde.Decode(ctx, b, out.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, out.Interface()) {
				t.Fatalf("round trip differs:\n in  %+v\n out %+v", v, out.Interface())
			}
		})
	}
	for _, n := range schemas.MustLoad().Names() {
		if !seen[n] {
			t.Errorf("schema %s has no round-trip sample", n)
		}
	}
}

func TestEmptyValuesRoundTrip(t *testing.T) {
	serde, _ := newSerde(t)
	ctx := context.Background()
	in := &schemas.RejectedRecord{Topic: "t", Reason: "r"}
	if _, err := serde.Register(ctx, "rej-value", "RejectedRecord"); err != nil {
		t.Fatal(err)
	}
	b, err := serde.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	var out schemas.RejectedRecord
	if err := serde.Decode(ctx, b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Key != nil || out.Value != nil || !out.RejectedAt.Equal(in.RejectedAt) {
		t.Fatalf("nil bytes or zero time changed: %+v", out)
	}
}

// evolve returns the DeliveryTask schema with one more field.
func evolve(t *testing.T, field string) string {
	t.Helper()
	text := schemas.MustLoad().Get("DeliveryTask").Text
	i := strings.LastIndex(text, "]")
	return text[:i] + "," + field + text[i:]
}

func TestEvolutionUnderBackwardCompatibility(t *testing.T) {
	serde, client := newSerde(t)
	ctx := context.Background()
	subject := "hookstream.deliveries-value"
	task := samples()[4].(*schemas.DeliveryTask)
	if _, err := serde.Register(ctx, subject, "DeliveryTask"); err != nil {
		t.Fatal(err)
	}
	old, err := serde.Encode(task)
	if err != nil {
		t.Fatal(err)
	}

	optional := evolve(t, `{"name":"priority","type":"int","default":0}`)
	ss, err := client.CreateSchema(ctx, subject, sr.Schema{Schema: optional})
	if err != nil {
		t.Fatalf("a new optional field must be accepted: %v", err)
	}
	if ss.Version != 2 {
		t.Fatalf("evolved schema got version %d", ss.Version)
	}

	required := evolve(t, `{"name":"tenant","type":"string"}`)
	_, err = client.CreateSchema(ctx, subject, sr.Schema{Schema: required})
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.ErrorCode != 409 {
		t.Fatalf("a new required field must be refused with 409, got %v", err)
	}
	compat, err := client.CheckCompatibility(ctx, subject, -1, sr.Schema{Schema: required})
	if err != nil || compat.Is {
		t.Fatalf("compatibility check: %+v %v", compat, err)
	}

	// A record written with the evolved schema (by another producer)
	// decodes into today's Go type, and so does one written before.
	evolved, err := schemas.Parse(optional)
	if err != nil {
		t.Fatal(err)
	}
	b, err := schemas.EncodeWith(evolved, ss.ID, task)
	if err != nil {
		t.Fatal(err)
	}
	for _, wire := range [][]byte{old, b} {
		var got schemas.DeliveryTask
		if err := serde.Decode(ctx, wire, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, task) {
			t.Fatalf("decoded %+v", got)
		}
	}
}

// TestSubscriptionBeforeSealedHeaders: a subscription written before
// sealedHeaders existed (every custom header in clear in headers) still
// decodes, and the schema that added the field is accepted as BACKWARD
// compatible with it.
func TestSubscriptionBeforeSealedHeaders(t *testing.T) {
	sub := *samples()[2].(*schemas.Subscription)
	sub.Headers, sub.SealedHeaders = map[string]string{"Authorization": "Bearer old"}, nil
	got := decodeWrittenWithout(t, "sealedHeaders", &sub)
	if got.Headers["Authorization"] != "Bearer old" || len(got.SealedHeaders) != 0 || got.ID != sub.ID {
		t.Fatalf("old record decoded as %+v", got)
	}
}

// TestSubscriptionBeforeActionType: a personal webhook written before
// actionType existed decodes with it empty, which is both (the behaviour it
// had then), and the schema that added it is BACKWARD compatible.
func TestSubscriptionBeforeActionType(t *testing.T) {
	sub := *samples()[2].(*schemas.Subscription)
	sub.Global, sub.ActionType = false, ""
	got := decodeWrittenWithout(t, "actionType", &sub)
	if got.ActionType != "" || got.Global || got.Owner != sub.Owner || got.ID != sub.ID {
		t.Fatalf("old record decoded as %+v", got)
	}
}

// TestSubscriptionBeforeExpressions: a webhook written before filter and
// template existed decodes with both empty (no expression, as it had), and
// the schemas that added them are BACKWARD compatible.
func TestSubscriptionBeforeExpressions(t *testing.T) {
	for _, field := range []string{"filter", "template"} {
		sub := *samples()[2].(*schemas.Subscription)
		sub.Filter, sub.Template = "", ""
		got := decodeWrittenWithout(t, field, &sub)
		if got.Filter != "" || got.Template != "" || got.ID != sub.ID || got.PayloadFormat != sub.PayloadFormat {
			t.Fatalf("record without %s decoded as %+v", field, got)
		}
	}
}

// decodeWrittenWithout writes sub with today's Subscription schema less
// one field, registers today's schema after it (the registry refuses one
// that is not BACKWARD compatible) and decodes the old record with it.
func decodeWrittenWithout(t *testing.T, field string, sub *schemas.Subscription) schemas.Subscription {
	t.Helper()
	serde, client := newSerde(t)
	ctx := context.Background()
	current := schemas.MustLoad().Get("Subscription").Text
	var tree map[string]any
	if err := json.Unmarshal([]byte(current), &tree); err != nil {
		t.Fatal(err)
	}
	var fields []any
	for _, f := range tree["fields"].([]any) {
		if f.(map[string]any)["name"] != field {
			fields = append(fields, f)
		}
	}
	if len(fields) != len(tree["fields"].([]any))-1 {
		t.Fatalf("the Subscription schema has no %s field", field)
	}
	tree["fields"] = fields
	oldText, _ := json.Marshal(tree)
	subject := "hookstream.subscriptions-value"
	ss, err := client.CreateSchema(ctx, subject, sr.Schema{Schema: string(oldText)})
	if err != nil {
		t.Fatal(err)
	}
	oldSchema, err := schemas.Parse(string(oldText))
	if err != nil {
		t.Fatal(err)
	}
	wire, err := schemas.EncodeWith(oldSchema, ss.ID, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serde.Register(ctx, subject, "Subscription"); err != nil {
		t.Fatalf("the schema with %s must be accepted after the one without: %v", field, err)
	}
	var got schemas.Subscription
	if err := serde.Decode(ctx, wire, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDecodeErrors(t *testing.T) {
	serde, _ := newSerde(t)
	ctx := context.Background()
	task := samples()[4].(*schemas.DeliveryTask)
	if _, err := serde.Register(ctx, "d-value", "DeliveryTask"); err != nil {
		t.Fatal(err)
	}
	good, _ := serde.Encode(task)
	rej := &schemas.RejectedRecord{Topic: "t"}
	if _, err := serde.Register(ctx, "r-value", "RejectedRecord"); err != nil {
		t.Fatal(err)
	}
	other, _ := serde.Encode(rej)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, schemas.ErrBadHeader},
		{"short", []byte{0, 0, 1}, schemas.ErrBadHeader},
		{"bad magic", append([]byte{1}, good[1:]...), schemas.ErrBadHeader},
		{"unknown id", append([]byte{0, 0, 0, 0x7f, 0x7f}, good[5:]...), schemas.ErrUnknownSchemaID},
		{"truncated", good[:len(good)-3], schemas.ErrMalformed},
		{"trailing", append(append([]byte{}, good...), 1, 2), schemas.ErrMalformed},
		{"garbage body", append(append([]byte{}, good[:5]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), schemas.ErrMalformed},
		{"other record", other, schemas.ErrWrongRecord},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out schemas.DeliveryTask
			err := serde.Decode(ctx, tc.in, &out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !schemas.IsRejectable(err) {
				t.Fatalf("%v should be rejectable", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	serde, _ := newSerde(f)
	ctx := context.Background()
	for _, v := range samples() {
		if _, err := serde.Register(ctx, "fuzz-"+reflect.TypeOf(v).Elem().Name(), reflect.TypeOf(v).Elem().Name()); err != nil {
			f.Fatal(err)
		}
		b, err := serde.Encode(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 1, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Every target type, whatever the bytes: an error or a value, never a panic.
		for _, v := range samples() {
			out := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := serde.Decode(ctx, b, out); err != nil && !schemas.IsRejectable(err) {
				t.Fatalf("registry error from a local registry: %v", err)
			}
		}
	})
}

// Avro strings are UTF-8: a value whose bytes were edited into invalid
// UTF-8 is malformed, wherever the string sits (field, array item, map key
// or value), and the error names the field without quoting the bytes.
func TestInvalidUTF8IsMalformed(t *testing.T) {
	serde, _ := newSerde(t)
	ctx := context.Background()
	if _, err := serde.Register(ctx, "m-value", "MetadataChangeEvent"); err != nil {
		t.Fatal(err)
	}
	const bad = "bad\xffutf8"
	for _, tc := range []struct {
		name  string
		edit  func(*schemas.MetadataChangeEvent)
		field string
	}{
		{"field", func(e *schemas.MetadataChangeEvent) { e.EventType = bad }, "eventType"},
		{"array item", func(e *schemas.MetadataChangeEvent) { e.Entity.Tags = []string{"ok", bad} }, "tags"},
		{"map key", func(e *schemas.MetadataChangeEvent) { e.Entity.CustomMetadata = map[string]string{bad: "1"} }, "customMetadata"},
		{"map value", func(e *schemas.MetadataChangeEvent) { e.Entity.CustomMetadata = map[string]string{"k": bad} }, "customMetadata"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := *samples()[0].(*schemas.MetadataChangeEvent)
			ev.Entity.CustomMetadata = map[string]string{}
			tc.edit(&ev)
			b, err := serde.Encode(&ev)
			if err != nil {
				t.Fatal(err)
			}
			var out schemas.MetadataChangeEvent
			err = serde.Decode(ctx, b, &out)
			if !errors.Is(err, schemas.ErrMalformed) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "UTF-8") {
				t.Fatalf("got %v, want malformed naming %s and UTF-8", err, tc.field)
			}
			if strings.Contains(err.Error(), "\xff") {
				t.Fatalf("error quotes the bytes: %q", err)
			}
		})
	}
	// NUL is valid UTF-8 and is kept as is.
	ev := *samples()[0].(*schemas.MetadataChangeEvent)
	ev.EventType = "entity\x00Created"
	b, err := serde.Encode(&ev)
	if err != nil {
		t.Fatal(err)
	}
	var out schemas.MetadataChangeEvent
	if err := serde.Decode(ctx, b, &out); err != nil || out.EventType != ev.EventType {
		t.Fatalf("NUL: %v %q", err, out.EventType)
	}
}

// The webhook defaults in Go are the Avro defaults of Subscription.avsc, so
// a record written before a field existed reads as a webhook saved today
// without it.
func TestSubscriptionDefaultsMatchTheSchema(t *testing.T) {
	b, err := os.ReadFile("avro/Subscription.avsc")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Fields []struct {
			Name    string `json:"name"`
			Default any    `json:"default"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"timeoutSeconds": schemas.DefaultTimeoutSeconds, "autoDisableAfter": schemas.DefaultAutoDisableAfter}
	for _, f := range schema.Fields {
		if w, ok := want[f.Name]; ok {
			if f.Default != w {
				t.Errorf("%s: Avro default %v, Go default %v", f.Name, f.Default, w)
			}
			delete(want, f.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("fields missing from Subscription.avsc: %v", want)
	}
}
