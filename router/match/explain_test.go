package match

import (
	"strings"
	"testing"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

func TestExplainNamesTheRefusingRule(t *testing.T) {
	personal := func(owner, actionType string) subscription.Webhook {
		w := hook("p", nil, schemas.Filters{})
		w.Global, w.Owner, w.ActionType = false, owner, actionType
		return w
	}
	disabled := hook("d", nil, schemas.Filters{})
	disabled.Enabled = false
	failed := hook("f", nil, schemas.Filters{})
	failed.Health.Status = subscription.StatusFailed
	for _, tc := range []struct {
		name   string
		w      subscription.Webhook
		ev     *Event
		rule   string // "" when it matches
		reason string // a part of the reason
	}{
		{"all events", hook("a", nil, schemas.Filters{}), meta("entityCreated", "table"), "", ""},
		{"disabled", disabled, meta("entityCreated", "table"), RuleStatus, "disabled"},
		{"failed", failed, meta("entityCreated", "table"), RuleStatus, "failed"},
		{"other type", hook("a", []string{"entityDeleted"}, schemas.Filters{}), meta("entityCreated", "table"), RuleEventType, `"entityCreated"`},
		{"wildcard alias", hook("a", []string{catalog.AllAlias}, schemas.Filters{}), meta("entityCreated", "table"), "", ""},
		{"other entity", hook("a", nil, schemas.Filters{EntityTypes: []string{"dashboard"}}), meta("entityCreated", "table"), RuleEntityType, `"table"`},
		{"workflow ignores entity types", hook("a", nil, schemas.Filters{EntityTypes: []string{"dashboard"}}), &Event{Type: "workflowSucceeded", IsWorkflow: true}, "", ""},
		{"personal, someone else's", personal("ann", ""), &Event{Type: "entityCreated", EntityType: "table", Actor: "bob", OwnerType: "user", Owner: "carl"}, RuleScope, "owner ann"},
		{"personal, own action", personal("ann", ""), &Event{Type: "entityCreated", EntityType: "table", Actor: "ann"}, "", ""},
		{"personal, triggered only", personal("ann", schemas.ActionTriggered), &Event{Type: "entityCreated", EntityType: "table", Actor: "bob", OwnerType: "user", Owner: "ann"}, RuleScope, "triggered"},
		{"personal, received only", personal("ann", schemas.ActionReceived), &Event{Type: "entityCreated", EntityType: "table", Actor: "ann"}, RuleScope, "received"},
		{"personal, workflow", personal("ann", ""), &Event{Type: "workflowSucceeded", IsWorkflow: true}, RuleScope, "workflow"},
		{"domain", hook("a", nil, schemas.Filters{Domains: []string{"Sales"}}), meta("entityCreated", "table"), RuleFilter, "filters.domains"},
		{"tags", hook("a", nil, schemas.Filters{Tags: []string{"PII"}}), meta("entityCreated", "table"), RuleFilter, "filters.tags"},
		{"include", hook("a", nil, schemas.Filters{Include: []string{"tags"}}), meta("entityUpdated", "table", "owner"), RuleFilter, "filters.include"},
		{"exclude", hook("a", nil, schemas.Filters{Exclude: []string{"usageSummary"}}), meta("entityUpdated", "table", "usageSummary"), RuleFilter, "filters.exclude"},
		{"workflow name", hook("a", nil, schemas.Filters{WorkflowNames: []string{"nightly"}}), &Event{Type: "workflowSucceeded", IsWorkflow: true, WorkflowName: "hourly"}, RuleFilter, "workflowNames"},
		{"package name", hook("a", nil, schemas.Filters{PackageNames: []string{"dbt"}}), &Event{Type: "workflowSucceeded", IsWorkflow: true, PackageName: "looker"}, RuleFilter, "packageNames"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Explain(tc.w, tc.ev)
			if indexed := len(Build([]subscription.Webhook{tc.w}).Match(tc.ev, nil)) > 0; v.Matched != indexed {
				t.Fatalf("Explain says matched=%v, the index %v", v.Matched, indexed)
			}
			if v.Matched != (tc.rule == "") || v.Rule != tc.rule {
				t.Fatalf("got %+v, want rule %q", v, tc.rule)
			}
			if !strings.Contains(v.Reason, tc.reason) {
				t.Fatalf("reason %q does not mention %q", v.Reason, tc.reason)
			}
		})
	}
}
