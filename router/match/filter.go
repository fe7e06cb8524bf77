package match

import (
	"strings"

	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/expr"
)

// filter is a subscription's filters compiled to sets.
type filter struct {
	webhookID  string
	owner      string
	global     bool
	actionType string

	includeFields, excludeFields set
	includeAttrs, excludeAttrs   []attr
	domains, tags                set
	workflowNames, packageNames  set

	// expr is the filter expression, nil without one; broken, when it
	// did not compile, so the webhook matches nothing. programs hears of
	// failures.
	expr     *expr.Filter
	broken   bool
	programs *Programs
}

// attr is an include/exclude entry of the form domain:X or tag:Y.
type attr struct{ kind, value string }

type set map[string]struct{}

func newSet(items []string) set {
	if len(items) == 0 {
		return nil
	}
	s := make(set, len(items))
	for _, i := range items {
		s[i] = struct{}{}
	}
	return s
}

func (s set) has(v string) bool { _, ok := s[v]; return ok }

func (s set) hasAny(vs []string) bool {
	for _, v := range vs {
		if s.has(v) {
			return true
		}
	}
	return false
}

func compile(id string, sub *schemas.Subscription) *filter {
	f := &filter{
		webhookID: id, owner: sub.Owner, global: sub.Global, actionType: sub.ActionType,
		domains: newSet(sub.Filters.Domains), tags: newSet(sub.Filters.Tags),
		workflowNames: newSet(sub.Filters.WorkflowNames), packageNames: newSet(sub.Filters.PackageNames),
	}
	var incFields, excFields []string
	f.includeAttrs, incFields = splitEntries(sub.Filters.Include)
	f.excludeAttrs, excFields = splitEntries(sub.Filters.Exclude)
	f.includeFields, f.excludeFields = newSet(incFields), newSet(excFields)
	return f
}

func splitEntries(entries []string) (attrs []attr, fields []string) {
	for _, e := range entries {
		kind, value, ok := strings.Cut(e, ":")
		if ok && (kind == "domain" || kind == "tag") {
			attrs = append(attrs, attr{kind, value})
			continue
		}
		fields = append(fields, e)
	}
	return attrs, fields
}

func (a attr) matches(ev *Event) bool {
	if a.kind == "domain" {
		return ev.Domain == a.value
	}
	for _, t := range ev.Tags {
		if t == a.value {
			return true
		}
	}
	return false
}

// matches applies everything but event and entity type, which the index
// already chose: the fixed filters first, then the expression, the dearer
// test, only for what they let through.
func (f *filter) matches(ev *Event) bool {
	if !f.fixedMatch(ev) {
		return false
	}
	return (f.expr == nil && !f.broken) || f.evaluate(ev)
}

func (f *filter) fixedMatch(ev *Event) bool {
	if !f.global && !f.concernsOwner(ev) {
		return false
	}
	if ev.IsWorkflow {
		return (f.workflowNames == nil || f.workflowNames.has(ev.WorkflowName)) &&
			(f.packageNames == nil || f.packageNames.has(ev.PackageName))
	}
	if f.domains != nil && !f.domains.has(ev.Domain) {
		return false
	}
	if f.tags != nil && !f.tags.hasAny(ev.Tags) {
		return false
	}
	return f.included(ev) && !f.excluded(ev)
}

// concernsOwner is Immuta's rule for a personal webhook: it hears of its
// owner's own actions (triggered) and of others' actions on what its owner
// owns as a user (received), or of both when actionType is empty. A
// workflow event has neither actor nor owner, so it concerns no one.
func (f *filter) concernsOwner(ev *Event) bool {
	if f.owner == "" {
		return false
	}
	triggered := ev.Actor == f.owner
	received := !triggered && ev.OwnerType == schemas.OwnerUser && ev.Owner == f.owner
	switch f.actionType {
	case schemas.ActionTriggered:
		return triggered
	case schemas.ActionReceived:
		return received
	}
	return triggered || received
}

// included: with include entries that apply to the event (field names apply
// to entityUpdated only), at least one must match.
func (f *filter) included(ev *Event) bool {
	applicable := len(f.includeAttrs) > 0 || (f.includeFields != nil && ev.Type == "entityUpdated")
	if !applicable {
		return true
	}
	for _, a := range f.includeAttrs {
		if a.matches(ev) {
			return true
		}
	}
	return ev.Type == "entityUpdated" && f.includeFields.hasAny(ev.ChangedFields)
}

// excluded: a domain/tag exclude entry matches, or an update changed only
// excluded fields.
func (f *filter) excluded(ev *Event) bool {
	for _, a := range f.excludeAttrs {
		if a.matches(ev) {
			return true
		}
	}
	if f.excludeFields == nil || ev.Type != "entityUpdated" || len(ev.ChangedFields) == 0 {
		return false
	}
	for _, c := range ev.ChangedFields {
		if !f.excludeFields.has(c) {
			return false
		}
	}
	return true
}
