// Package match decides which webhooks an event goes to. It is pure logic:
// an Index built from the subscription table answers, for one event, the ids
// of every matching webhook, looking only at webhooks indexed under the
// event's type and entity type so the cost does not grow with webhooks that
// cannot match.
package match

import (
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/expr"
)

// Event is what matching needs to know of an event.
type Event struct {
	Type       string
	IsWorkflow bool
	// Metadata events.
	EntityType string
	Domain     string
	Tags       []string
	// OwnerType and Owner are the entity's owner (schemas.OwnerUser or
	// "team"); a personal webhook's owner is a user, so only a user owner
	// of that name makes the entity theirs.
	OwnerType     string
	Owner         string
	Actor         string
	ChangedFields []string
	// Workflow events.
	WorkflowName string
	PackageName  string

	// view is the whole event for filter expressions; in its prepared
	// input, made when a webhook with an expression is reached.
	view *expr.Event
	in   *expr.Input
}

// FromMetadata describes a metadata-change event.
func FromMetadata(e *schemas.MetadataChangeEvent) Event {
	ev := Event{Type: e.EventType, EntityType: e.Entity.Type, Domain: e.Entity.Domain, Tags: e.Entity.Tags, Actor: e.Actor, view: expr.FromMetadata(e)}
	if e.Entity.Owner != nil {
		ev.OwnerType, ev.Owner = e.Entity.Owner.Type, e.Entity.Owner.Name
	}
	if cd := e.ChangeDescription; cd != nil {
		for _, list := range [][]schemas.FieldChange{cd.FieldsAdded, cd.FieldsUpdated, cd.FieldsDeleted} {
			for _, f := range list {
				ev.ChangedFields = append(ev.ChangedFields, f.Name)
			}
		}
	}
	return ev
}

// FromWorkflow describes a workflow-completion event. Atlan's workflow
// payload names no owner and no actor, so only global webhooks hear it.
func FromWorkflow(e *schemas.WorkflowCompletionEvent) Event {
	return Event{Type: e.EventType(), IsWorkflow: true, WorkflowName: e.WorkflowName, PackageName: e.PackageName, view: expr.FromWorkflow(e)}
}

// input is the event as filter expressions see it, built at the first
// expression the event meets and shared by the others.
func (ev *Event) input() *expr.Input {
	if ev.in == nil {
		view := ev.view
		if view == nil {
			view = &expr.Event{EventType: ev.Type}
		}
		ev.in = expr.NewInput(view)
	}
	return ev.in
}
