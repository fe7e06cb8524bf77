package match

import (
	"fmt"
	"strings"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

// The rules Explain names when a webhook refuses an event.
const (
	RuleStatus     = "status"
	RuleEventType  = "eventType"
	RuleEntityType = "entityType"
	RuleScope      = "scope"
	RuleFilter     = "filter"
)

// Verdict is whether one webhook receives an event and, if not, which rule
// refused it.
type Verdict struct {
	Matched bool   `json:"matched"`
	Rule    string `json:"rule,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Explain answers for one webhook what the router would do with ev, and
// why. Whether it matches is the index's own answer (a one-webhook Index,
// as a replay builds), so the explanation can never disagree with routing;
// the reason is then found by asking the same compiled filter rule by rule,
// in the order the index applies them. A refusal the rules below do not
// name is still reported, as RuleFilter.
func Explain(w subscription.Webhook, ev *Event) Verdict {
	if len(Build([]subscription.Webhook{w}).Match(ev, nil)) > 0 {
		return Verdict{Matched: true}
	}
	refuse := func(rule, format string, args ...any) Verdict {
		return Verdict{Rule: rule, Reason: fmt.Sprintf(format, args...)}
	}
	sub := &w.Subscription
	if !w.Deliverable() {
		return refuse(RuleStatus, "the webhook is %s; only active and retrying webhooks receive events", w.State())
	}
	if !hearsType(sub.EventTypes, ev.Type) {
		return refuse(RuleEventType, "event type %q is not among its event types [%s]", ev.Type, strings.Join(sub.EventTypes, ", "))
	}
	et := sub.Filters.EntityTypes
	if !ev.IsWorkflow && len(et) > 0 && !contains(et, catalog.All) && !contains(et, ev.EntityType) {
		return refuse(RuleEntityType, "entity type %q is not among its entity types [%s]", ev.EntityType, strings.Join(et, ", "))
	}
	f := compile(sub.ID, sub)
	if !f.global && !f.concernsOwner(ev) {
		return scopeRefusal(f, ev)
	}
	switch {
	case ev.IsWorkflow && f.workflowNames != nil && !f.workflowNames.has(ev.WorkflowName):
		return refuse(RuleFilter, "workflow %q is not among filters.workflowNames", ev.WorkflowName)
	case ev.IsWorkflow && f.packageNames != nil && !f.packageNames.has(ev.PackageName):
		return refuse(RuleFilter, "package %q is not among filters.packageNames", ev.PackageName)
	case ev.IsWorkflow:
	case f.domains != nil && !f.domains.has(ev.Domain):
		return refuse(RuleFilter, "domain %q is not among filters.domains", ev.Domain)
	case f.tags != nil && !f.tags.hasAny(ev.Tags):
		return refuse(RuleFilter, "none of the entity's tags [%s] is among filters.tags", strings.Join(ev.Tags, ", "))
	case !f.included(ev):
		return refuse(RuleFilter, "no filters.include entry matches the event")
	case f.excluded(ev):
		return refuse(RuleFilter, "a filters.exclude entry matches the event")
	}
	return refuse(RuleFilter, "its filters refuse the event")
}

// hearsType is the index's choice of bucket: the event's type or "*".
func hearsType(types []string, t string) bool {
	if len(types) == 0 {
		return true
	}
	for _, x := range types {
		if x == t || x == catalog.All || x == catalog.AllAlias {
			return true
		}
	}
	return false
}

func scopeRefusal(f *filter, ev *Event) Verdict {
	v := Verdict{Rule: RuleScope}
	switch {
	case f.owner == "":
		v.Reason = "the webhook is personal but has no owner"
	case ev.IsWorkflow:
		v.Reason = "the webhook is personal (owner " + f.owner + ") and a workflow event concerns no one; only global webhooks hear it"
	case f.actionType == schemas.ActionTriggered:
		v.Reason = fmt.Sprintf("the webhook is personal (owner %s, actionType triggered) and the actor is %q", f.owner, ev.Actor)
	case f.actionType == schemas.ActionReceived && ev.Actor == f.owner:
		v.Reason = fmt.Sprintf("the webhook is personal (owner %s, actionType received) and its owner made the change", f.owner)
	default:
		v.Reason = fmt.Sprintf("the webhook is personal (owner %s): the actor is %q and the entity's owner is %s %q", f.owner, ev.Actor, ev.OwnerType, ev.Owner)
	}
	return v
}
