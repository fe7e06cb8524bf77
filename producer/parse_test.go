package producer

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

func TestParseMetadataLine(t *testing.T) {
	full := `{"eventId":"6f1c5d8e-0000-4000-8000-000000000001","eventType":"entityUpdated","timestamp":1700000000123,` +
		`"entity":{"id":"t-1","type":"table","name":"orders","fullyQualifiedName":"db.sales.orders","description":"d",` +
		`"owner":{"type":"user","name":"alice"},"tags":["PII.Sensitive"],"domain":"Sales","customMetadata":{"steward":"bob"}},` +
		`"changeDescription":{"fieldsAdded":[],"fieldsUpdated":[{"name":"description","oldValue":"\"a\"","newValue":"\"d\""}],"fieldsDeleted":[]},` +
		`"actor":"alice"}`
	want := &schemas.MetadataChangeEvent{
		EventID: "6f1c5d8e-0000-4000-8000-000000000001", EventType: "entityUpdated", Timestamp: 1700000000123,
		Entity: schemas.Entity{ID: "t-1", Type: "table", Name: "orders", FullyQualifiedName: "db.sales.orders", Description: "d",
			Owner: &schemas.Owner{Type: "user", Name: "alice"}, Tags: []string{"PII.Sensitive"}, Domain: "Sales",
			CustomMetadata: map[string]string{"steward": "bob"}},
		ChangeDescription: &schemas.ChangeDescription{FieldsAdded: []schemas.FieldChange{},
			FieldsUpdated: []schemas.FieldChange{{Name: "description", OldValue: ptr(`"a"`), NewValue: ptr(`"d"`)}},
			FieldsDeleted: []schemas.FieldChange{}},
		Actor: "alice",
	}
	got, err := ParseMetadataLine([]byte(full + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct {
		name, line, wantErr string
		typed               bool // a *ValidationError naming the field
	}{
		{"minimal", `{"eventType":"tagAdded","entity":{"id":"1","type":"table","name":"n"}}`, "", false},
		{"unknown top-level field", `{"eventType":"tagAdded","evnetId":"x"}`, "evnetId: unknown field", true},
		{"unknown nested field", `{"entity":{"id":"1","owner":{"name":"a","email":"a@x"}}}`, "entity.owner.email: unknown field", true},
		{"unknown field in a change", `{"changeDescription":{"fieldsUpdated":[{"name":"a"},{"name":"b","value":"1"}]}}`, "changeDescription.fieldsUpdated[1].value: unknown field", true},
		{"wrong type string", `{"entity":{"id":42}}`, "entity.id: want a string, have number", true},
		{"wrong type timestamp", `{"timestamp":"2026-05-12"}`, "timestamp: want an integer, have string", true},
		{"fractional timestamp", `{"timestamp":1.5}`, "timestamp: want an integer, have number 1.5", true},
		{"tags not strings", `{"entity":{"tags":[1]}}`, "entity.tags: want a string, have number", true},
		{"entity not an object", `{"entity":[]}`, "entity: want an object, have array", true},
		{"custom metadata value", `{"entity":{"customMetadata":{"a":1}}}`, "entity.customMetadata: want a string, have number", true},
		{"truncated", `{"eventType":"tagAdded"`, "invalid JSON: unexpected end of line", false},
		{"syntax", `{"eventType":"tagAdded",}`, "invalid JSON at byte 25: invalid character '}' looking for beginning of object key string", false},
		{"two objects", `{"eventType":"tagAdded"} {"eventType":"tagAdded"}`, "unexpected data after the JSON object", false},
		{"trailing garbage", `{"eventType":"tagAdded"} x`, "unexpected data after the JSON object", false},
		{"stray brace", `{"eventType":"tagAdded"} }`, "unexpected data after the JSON object", false},
		{"array", `[{"eventType":"tagAdded"}]`, "not a JSON object", false},
		{"null", `null`, "not a JSON object", false},
		{"empty", ``, "not a JSON object", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMetadataLine([]byte(tc.line))
			checkParseError(t, err, tc.wantErr, tc.typed)
		})
	}
}

func TestParseWorkflowLine(t *testing.T) {
	got, err := ParseWorkflowLine([]byte(`{"workflowId":"wf","runId":"r","workflowName":"n","status":"failed",` +
		`"startTime":"2026-05-12T06:00:02Z","endTime":"2026-05-12T06:10:18Z","runTime":616,"isSchedule":true,"failedSteps":["extract"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.WorkflowID != "wf" || got.RunTime != 616 || !got.IsSchedule || !reflect.DeepEqual(got.FailedSteps, []string{"extract"}) {
		t.Fatalf("got %+v", got)
	}
	for _, tc := range []struct {
		name, line, wantErr string
		typed               bool
	}{
		{"unknown field", `{"workflowId":"wf","workflowID":"x","runID":"y","runid2":1}`, "runid2: unknown field", true},
		{"bool as string", `{"isSchedule":"true"}`, "isSchedule: want true or false, have string", true},
		{"run time as string", `{"runTime":"616"}`, "runTime: want an integer, have string", true},
		{"steps not an array", `{"failedSteps":"extract"}`, "failedSteps: want an array, have string", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWorkflowLine([]byte(tc.line))
			checkParseError(t, err, tc.wantErr, tc.typed)
		})
	}
}

func checkParseError(t *testing.T, err error, want string, typed bool) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	var ve *ValidationError
	if typed != errors.As(err, &ve) {
		t.Fatalf("error %v: typed=%v, want %v", err, !typed, typed)
	}
}

// Invalid UTF-8 is refused, not turned into U+FFFD by encoding/json: the
// event would be produced changed.
func TestInvalidUTF8LineIsRefused(t *testing.T) {
	_, err := ParseMetadataLine([]byte("{\"entity\":{\"name\":\"bad\xff\"}}"))
	if err == nil || !strings.Contains(err.Error(), "UTF-8") || !strings.Contains(err.Error(), "column 23") {
		t.Fatalf("got %v, want a refusal naming UTF-8 and column 23", err)
	}
}
