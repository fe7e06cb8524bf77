package expr

import (
	"encoding/json"
	"fmt"

	"github.com/hookstream/hookstream/schemas"
)

// Event is the event as an expression sees it: one type for both kinds, in
// the JSON field layout of DESIGN §4, so `event.entity.name` in a filter is
// the `entity.name` of the generic payload. A metadata event leaves the
// workflow fields empty and a workflow event the metadata ones, so one
// expression can serve a webhook of both kinds without a type error.
//
// The workflow fields are promoted from the embedded event, which also
// gives eventId to both kinds.
type Event struct {
	schemas.WorkflowCompletionEvent
	EventType         string                    `json:"eventType"`
	Timestamp         int64                     `json:"timestamp"`
	Entity            schemas.Entity            `json:"entity"`
	ChangeDescription schemas.ChangeDescription `json:"changeDescription"`
	Actor             string                    `json:"actor"`
}

// Webhook is what a template knows of the webhook it renders for.
type Webhook struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// FromMetadata is the expression view of a metadata-change event.
func FromMetadata(e *schemas.MetadataChangeEvent) *Event {
	v := &Event{EventType: e.EventType, Timestamp: e.Timestamp, Entity: e.Entity, Actor: e.Actor}
	v.EventID = e.EventID
	if e.ChangeDescription != nil {
		v.ChangeDescription = *e.ChangeDescription
	}
	return v
}

// FromWorkflow is the expression view of a workflow-completion event.
func FromWorkflow(e *schemas.WorkflowCompletionEvent) *Event {
	return &Event{WorkflowCompletionEvent: *e, EventType: e.EventType()}
}

// Decode reads the event JSON a delivery task carries (either kind).
func Decode(eventJSON string) (*Event, error) {
	var v Event
	if err := json.Unmarshal([]byte(eventJSON), &v); err != nil {
		return nil, fmt.Errorf("expression event: %w", err)
	}
	if v.EventType == "" && v.Status != "" {
		v.EventType = v.WorkflowCompletionEvent.EventType()
	}
	return &v, nil
}
