package producer

import (
	"errors"
	"testing"
	"time"

	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

var testNow = time.Date(2026, 5, 12, 6, 0, 0, 0, time.UTC)

func validMetadata() *schemas.MetadataChangeEvent {
	return &schemas.MetadataChangeEvent{
		EventType: "entityUpdated",
		Entity:    schemas.Entity{ID: "t-1", Type: "table", Name: "orders"},
	}
}

func validWorkflow() *schemas.WorkflowCompletionEvent {
	return &schemas.WorkflowCompletionEvent{
		StartTime: "2026-05-12T06:00:02Z", EndTime: "2026-05-12T06:10:18.5-02:00",
		WorkflowID: "wf", RunID: "run", WorkflowName: "nightly", Status: "succeeded",
	}
}

func TestPrepareMetadataValidates(t *testing.T) {
	cat := newCatalogue([]string{"policyApplied"})
	for _, tc := range []struct {
		name    string
		change  func(*schemas.MetadataChangeEvent)
		wantErr string // "" for valid
	}{
		{"minimal", func(*schemas.MetadataChangeEvent) {}, ""},
		{"every built-in type", nil, ""},
		{"extra type", func(e *schemas.MetadataChangeEvent) { e.EventType = "policyApplied" }, ""},
		{"missing type", func(e *schemas.MetadataChangeEvent) { e.EventType = "" }, "eventType: required"},
		{"unknown type", func(e *schemas.MetadataChangeEvent) { e.EventType = "entityRenamed" }, `eventType: "entityRenamed" is not in the event catalogue`},
		{"negative timestamp", func(e *schemas.MetadataChangeEvent) { e.Timestamp = -1 }, "timestamp: must not be negative, have -1"},
		{"missing id", func(e *schemas.MetadataChangeEvent) { e.Entity.ID = "" }, "entity.id: required"},
		{"missing entity type", func(e *schemas.MetadataChangeEvent) { e.Entity.Type = "" }, "entity.type: required"},
		{"missing name", func(e *schemas.MetadataChangeEvent) { e.Entity.Name = "" }, "entity.name: required"},
		{"bad event id", func(e *schemas.MetadataChangeEvent) { e.EventID = "42" }, `eventId: "42" is not a UUID`},
		{"braced event id", func(e *schemas.MetadataChangeEvent) { e.EventID = "{6f1c5d8e-0000-4000-8000-000000000001}" }, `eventId: "{6f1c5d8e-0000-4000-8000-000000000001}" is not a UUID`},
		{"given event id kept", func(e *schemas.MetadataChangeEvent) { e.EventID = "6f1c5d8e-0000-4000-8000-000000000001" }, ""},
		{"owner without name", func(e *schemas.MetadataChangeEvent) { e.Entity.Owner = &schemas.Owner{Type: "user"} }, "entity.owner.name: required when owner is given"},
		{"change without name", func(e *schemas.MetadataChangeEvent) {
			e.ChangeDescription = &schemas.ChangeDescription{FieldsAdded: []schemas.FieldChange{{NewValue: ptr(`1`)}}}
		}, "changeDescription.fieldsAdded[0].name: required"},
		{"change value not JSON", func(e *schemas.MetadataChangeEvent) {
			e.ChangeDescription = &schemas.ChangeDescription{FieldsUpdated: []schemas.FieldChange{
				{Name: "a", NewValue: ptr(`"ok"`)}, {Name: "description", OldValue: ptr(`"x"`), NewValue: ptr(`plain text`)}}}
		}, `changeDescription.fieldsUpdated[1].newValue: not JSON text: "plain text"`},
		{"old value not JSON", func(e *schemas.MetadataChangeEvent) {
			e.ChangeDescription = &schemas.ChangeDescription{FieldsDeleted: []schemas.FieldChange{{Name: "tags", OldValue: ptr(`[`)}}}
		}, `changeDescription.fieldsDeleted[0].oldValue: not JSON text: "["`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			types := []string{"entityUpdated"}
			if tc.change == nil {
				types = catalog.Builtin().Types(catalog.Metadata)
				tc.change = func(*schemas.MetadataChangeEvent) {}
			}
			for _, typ := range types {
				ev := validMetadata()
				ev.EventType = typ
				tc.change(ev)
				given := ev.EventID
				err := cat.prepareMetadata(ev, testNow)
				checkValidation(t, err, tc.wantErr)
				if err != nil {
					continue
				}
				if given != "" && ev.EventID != given {
					t.Errorf("eventId %q replaced by %q", given, ev.EventID)
				}
				if checkUUID("eventId", ev.EventID) != nil {
					t.Errorf("eventId %q is not a UUID", ev.EventID)
				}
				if ev.Timestamp != testNow.UnixMilli() {
					t.Errorf("timestamp %d, want now", ev.Timestamp)
				}
				if ev.Entity.Tags == nil || ev.Entity.CustomMetadata == nil {
					t.Error("nil tags or customMetadata left in place")
				}
				if cd := ev.ChangeDescription; cd != nil && (cd.FieldsAdded == nil || cd.FieldsUpdated == nil || cd.FieldsDeleted == nil) {
					t.Error("nil change list left in place")
				}
			}
		})
	}
}

func TestPrepareMetadataKeepsAGivenTimestamp(t *testing.T) {
	ev := validMetadata()
	ev.Timestamp = 1_700_000_000_123
	if err := newCatalogue(nil).prepareMetadata(ev, testNow); err != nil {
		t.Fatal(err)
	}
	if ev.Timestamp != 1_700_000_000_123 {
		t.Fatalf("timestamp changed to %d", ev.Timestamp)
	}
	if err := newCatalogue(nil).prepareMetadata(nil, testNow); err == nil {
		t.Fatal("nil event accepted")
	}
}

func TestPrepareWorkflowValidates(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*schemas.WorkflowCompletionEvent)
		wantErr string
	}{
		{"succeeded", func(*schemas.WorkflowCompletionEvent) {}, ""},
		{"failed", func(e *schemas.WorkflowCompletionEvent) { e.Status = "failed" }, ""},
		{"missing workflow id", func(e *schemas.WorkflowCompletionEvent) { e.WorkflowID = "" }, "workflowId: required"},
		{"missing run id", func(e *schemas.WorkflowCompletionEvent) { e.RunID = "" }, "runId: required"},
		{"missing name", func(e *schemas.WorkflowCompletionEvent) { e.WorkflowName = "" }, "workflowName: required"},
		{"missing status", func(e *schemas.WorkflowCompletionEvent) { e.Status = "" }, "status: required"},
		{"other status", func(e *schemas.WorkflowCompletionEvent) { e.Status = "Succeeded" }, `status: "Succeeded" is neither "succeeded" nor "failed"`},
		{"missing start", func(e *schemas.WorkflowCompletionEvent) { e.StartTime = "" }, "startTime: required"},
		{"start not RFC 3339", func(e *schemas.WorkflowCompletionEvent) { e.StartTime = "2026-05-12 06:00:02" }, `startTime: "2026-05-12 06:00:02" is not an RFC 3339 time`},
		{"end not RFC 3339", func(e *schemas.WorkflowCompletionEvent) { e.EndTime = "yesterday" }, `endTime: "yesterday" is not an RFC 3339 time`},
		{"end before start", func(e *schemas.WorkflowCompletionEvent) { e.EndTime = "2026-05-12T05:00:00Z" }, "endTime: 2026-05-12T05:00:00Z is before startTime 2026-05-12T06:00:02Z"},
		{"negative run time", func(e *schemas.WorkflowCompletionEvent) { e.RunTime = -5 }, "runTime: must not be negative, have -5"},
		{"bad event id", func(e *schemas.WorkflowCompletionEvent) { e.EventID = "run-1" }, `eventId: "run-1" is not a UUID`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := validWorkflow()
			tc.change(ev)
			err := prepareWorkflow(ev)
			checkValidation(t, err, tc.wantErr)
			if err == nil && (ev.EventID == "" || ev.FailedSteps == nil || ev.RunningSteps == nil || ev.LastThreeRuns == nil || ev.PotentialIssues == nil) {
				t.Errorf("not filled in: %+v", ev)
			}
		})
	}
}

func checkValidation(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want *ValidationError %q", err, err, want)
	}
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}
