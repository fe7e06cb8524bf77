package producer

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hookstream/hookstream/schemas"
)

// BuiltinEventTypes is the built-in catalogue of metadata event types
// (DESIGN §4). Webhook subscriptions name these types, so an event with a
// misspelt type would silently match nothing: it is refused at the source.
var BuiltinEventTypes = schemas.MetadataEventTypes

// Workflow statuses; the record header and the router's event type follow
// from them (workflowSucceeded / workflowFailed).
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// catalogue is the set of metadata event types a client accepts.
type catalogue map[string]bool

func newCatalogue(extra []string) catalogue {
	c := catalogue{}
	for _, t := range BuiltinEventTypes {
		c[t] = true
	}
	for _, t := range extra {
		if t != "" {
			c[t] = true
		}
	}
	return c
}

// prepareMetadata fills what an emitter may leave out and then validates, so
// that every record on the topic has an id, a time and no null collections
// (consumers can then index into them without nil checks). It changes ev in
// place: the caller learns the eventId it was given.
func (c catalogue) prepareMetadata(ev *schemas.MetadataChangeEvent, now time.Time) error {
	if ev == nil {
		return invalid("", "event is nil")
	}
	if ev.EventID == "" {
		ev.EventID = uuid.NewString()
	}
	if ev.Timestamp == 0 {
		ev.Timestamp = now.UnixMilli()
	}
	if ev.Entity.Tags == nil {
		ev.Entity.Tags = []string{}
	}
	if ev.Entity.CustomMetadata == nil {
		ev.Entity.CustomMetadata = map[string]string{}
	}
	if cd := ev.ChangeDescription; cd != nil {
		cd.FieldsAdded = emptyIfNil(cd.FieldsAdded)
		cd.FieldsUpdated = emptyIfNil(cd.FieldsUpdated)
		cd.FieldsDeleted = emptyIfNil(cd.FieldsDeleted)
	}
	return c.validateMetadata(ev)
}

// validateMetadata checks a prepared event; the first problem found is
// returned, in the order of the fields in the schema.
func (c catalogue) validateMetadata(ev *schemas.MetadataChangeEvent) error {
	if err := checkUUID("eventId", ev.EventID); err != nil {
		return err
	}
	switch {
	case ev.EventType == "":
		return invalid("eventType", "required")
	case !c[ev.EventType]:
		return invalid("eventType", "%q is not in the event catalogue", ev.EventType)
	case ev.Timestamp < 0:
		return invalid("timestamp", "must not be negative, have %d", ev.Timestamp)
	case ev.Entity.ID == "":
		return invalid("entity.id", "required")
	case ev.Entity.Type == "":
		return invalid("entity.type", "required")
	case ev.Entity.Name == "":
		return invalid("entity.name", "required")
	}
	if o := ev.Entity.Owner; o != nil && o.Name == "" {
		return invalid("entity.owner.name", "required when owner is given")
	}
	if cd := ev.ChangeDescription; cd != nil {
		for _, list := range []struct {
			name    string
			changes []schemas.FieldChange
		}{{"fieldsAdded", cd.FieldsAdded}, {"fieldsUpdated", cd.FieldsUpdated}, {"fieldsDeleted", cd.FieldsDeleted}} {
			for i, fc := range list.changes {
				if err := checkFieldChange(fmt.Sprintf("changeDescription.%s[%d]", list.name, i), fc); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkFieldChange: change values are JSON text (DESIGN §4); a webhook
// payload embeds them as JSON, so text that does not parse would break every
// delivery of the event rather than this one call.
func checkFieldChange(path string, fc schemas.FieldChange) error {
	if fc.Name == "" {
		return invalid(path+".name", "required")
	}
	if fc.OldValue != nil && !json.Valid([]byte(*fc.OldValue)) {
		return invalid(path+".oldValue", "not JSON text: %q", *fc.OldValue)
	}
	if fc.NewValue != nil && !json.Valid([]byte(*fc.NewValue)) {
		return invalid(path+".newValue", "not JSON text: %q", *fc.NewValue)
	}
	return nil
}

// prepareWorkflow is prepareMetadata's twin for workflow runs. A workflow run
// has no timestamp field of its own: its times are startTime and endTime.
func prepareWorkflow(ev *schemas.WorkflowCompletionEvent) error {
	if ev == nil {
		return invalid("", "event is nil")
	}
	if ev.EventID == "" {
		ev.EventID = uuid.NewString()
	}
	ev.FailedSteps = emptyIfNil(ev.FailedSteps)
	ev.RunningSteps = emptyIfNil(ev.RunningSteps)
	ev.LastThreeRuns = emptyIfNil(ev.LastThreeRuns)
	ev.PotentialIssues = emptyIfNil(ev.PotentialIssues)
	return validateWorkflow(ev)
}

func validateWorkflow(ev *schemas.WorkflowCompletionEvent) error {
	if err := checkUUID("eventId", ev.EventID); err != nil {
		return err
	}
	switch {
	case ev.WorkflowID == "":
		return invalid("workflowId", "required")
	case ev.RunID == "":
		return invalid("runId", "required")
	case ev.WorkflowName == "":
		return invalid("workflowName", "required")
	case ev.Status == "":
		return invalid("status", "required")
	case ev.Status != StatusSucceeded && ev.Status != StatusFailed:
		return invalid("status", "%q is neither %q nor %q", ev.Status, StatusSucceeded, StatusFailed)
	}
	start, err := checkTime("startTime", ev.StartTime)
	if err != nil {
		return err
	}
	end, err := checkTime("endTime", ev.EndTime)
	if err != nil {
		return err
	}
	switch {
	case end.Before(start):
		return invalid("endTime", "%s is before startTime %s", ev.EndTime, ev.StartTime)
	case ev.RunTime < 0:
		return invalid("runTime", "must not be negative, have %d", ev.RunTime)
	}
	return nil
}

func checkTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, invalid(field, "required")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid(field, "%q is not an RFC 3339 time", s)
	}
	return t, nil
}

// checkUUID: the schema declares eventId a uuid, and the router derives
// delivery ids from it, so only the canonical 36-character form is taken.
func checkUUID(field, s string) error {
	if len(s) != 36 {
		return invalid(field, "%q is not a UUID", s)
	}
	if _, err := uuid.Parse(s); err != nil {
		return invalid(field, "%q is not a UUID", s)
	}
	return nil
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
