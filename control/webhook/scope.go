package webhook

import "github.com/hookstream/hookstream/schemas"

// actionTypes are the values of Spec.ActionType; empty is both.
var actionTypes = []string{schemas.ActionTriggered, schemas.ActionReceived}

// checkActionType checks the value alone; Scope checks it against global.
// Immuta's document types actionType as one string, so one value it is: a
// list could only add "both", which is what leaving it out means.
func checkActionType(sp *Spec) *FieldError {
	if sp.ActionType != "" && !contains(actionTypes, sp.ActionType) {
		return fieldErr("actionType", "must be %s or %s, or left out for both, not %q", schemas.ActionTriggered, schemas.ActionReceived, sp.ActionType)
	}
	return nil
}

// Scope settles whose events the webhook hears, once Normalize has passed.
// Without "global" the role of whoever writes the spec decides: an admin's
// webhook is global, a user's personal (DESIGN §5). A global webhook hears
// every actor's events, so an actionType on it could only be ignored, and
// it is refused instead; a personal webhook only for workflow events
// would never be sent anything, as a workflow event names no owner or actor.
func (sp *Spec) Scope(admin bool) *FieldError {
	if sp.Global == nil {
		global := admin
		sp.Global = &global
	}
	if !*sp.Global {
		return personalEventTypes(sp.EventTypes)
	}
	if sp.ActionType != "" {
		return fieldErr("actionType", "applies to a personal webhook (\"global\": false); a global webhook hears every actor's events")
	}
	return nil
}

func personalEventTypes(types []string) *FieldError {
	for _, t := range types {
		if t != schemas.EventWorkflowSucceeded && t != schemas.EventWorkflowFailed {
			return nil
		}
	}
	return fieldErr("eventTypes", "a personal webhook never hears workflow events: they name no owner or actor; only a global webhook (made by an admin) receives them")
}
