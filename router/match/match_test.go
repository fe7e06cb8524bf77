package match

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

func hook(id string, types []string, f schemas.Filters) subscription.Webhook {
	return subscription.Webhook{Subscription: schemas.Subscription{ID: id, Enabled: true, Global: true, EventTypes: types, Filters: f}}
}

func meta(eventType, entityType string, changed ...string) *Event {
	return &Event{Type: eventType, EntityType: entityType, ChangedFields: changed}
}

func TestOpenMetadataSeedExamples(t *testing.T) {
	// Each webhook of the OpenMetadata seed's use cases. Its eventFilters pair
	// an event type with entities; where one webhook pairs different
	// entities with different types, it is two subscriptions here.
	hooks := []subscription.Webhook{
		// Slack notifications: tables created, and updated in tags, owner or description.
		hook("slack", []string{"entityCreated", "entityUpdated"}, schemas.Filters{EntityTypes: []string{"table"}, Include: []string{"tags", "owner", "description"}}),
		// Data quality: test case results.
		hook("quality", []string{"entityUpdated"}, schemas.Filters{EntityTypes: []string{"testCase"}, Include: []string{"testCaseResult"}}),
		// Audit log: every entity created, updated, deleted.
		hook("audit", []string{"entityCreated", "entityUpdated", "entityDeleted"}, schemas.Filters{EntityTypes: []string{"*"}}),
		// Compliance: deletions of tables, dashboards, pipelines; policy rule updates.
		hook("compliance-deletes", []string{"entityDeleted"}, schemas.Filters{EntityTypes: []string{"table", "dashboard", "pipeline"}}),
		hook("compliance-policies", []string{"entityUpdated"}, schemas.Filters{EntityTypes: []string{"policy"}, Include: []string{"rules"}}),
		// Documentation sync: description, tags, tier of tables and dashboards.
		hook("docs", []string{"entityUpdated"}, schemas.Filters{EntityTypes: []string{"table", "dashboard"}, Include: []string{"description", "tags", "tier"}}),
		// Domain team: created or updated tables and dashboards of the Sales domain.
		hook("sales", []string{"entityCreated", "entityUpdated"}, schemas.Filters{EntityTypes: []string{"table", "dashboard"}, Include: []string{"domain:Sales"}}),
	}
	ix := Build(hooks)
	sales := func(e *Event) *Event { e.Domain = "Sales"; return e }
	for _, tc := range []struct {
		name string
		ev   *Event
		want []string
	}{
		{"table created", meta("entityCreated", "table"), []string{"audit", "slack"}},
		{"table created in Sales", sales(meta("entityCreated", "table")), []string{"audit", "sales", "slack"}},
		{"table tags updated", meta("entityUpdated", "table", "tags"), []string{"audit", "docs", "slack"}},
		{"table usage updated", meta("entityUpdated", "table", "usageSummary"), []string{"audit"}},
		{"table tier updated", meta("entityUpdated", "table", "tier"), []string{"audit", "docs"}},
		{"test case result", meta("entityUpdated", "testCase", "testCaseResult"), []string{"audit", "quality"}},
		{"test case renamed", meta("entityUpdated", "testCase", "displayName"), []string{"audit"}},
		{"pipeline deleted", meta("entityDeleted", "pipeline"), []string{"audit", "compliance-deletes"}},
		{"glossary term deleted", meta("entityDeleted", "glossaryTerm"), []string{"audit"}},
		{"policy rules updated", meta("entityUpdated", "policy", "rules"), []string{"audit", "compliance-policies"}},
		{"dashboard soft deleted", meta("entitySoftDeleted", "dashboard"), nil},
		{"dashboard updated in Sales", sales(meta("entityUpdated", "dashboard", "owner")), []string{"audit", "sales"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ix.Match(tc.ev, nil)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    subscription.Webhook
		ev   Event
		want bool
	}{
		{"wildcard type", hook("w", []string{"*"}, schemas.Filters{}), Event{Type: "tagAdded", EntityType: "column"}, true},
		{"ALL_NOTIFICATIONS alias", hook("w", []string{"ALL_NOTIFICATIONS"}, schemas.Filters{}), Event{Type: "tagRemoved"}, true},
		{"other type", hook("w", []string{"entityCreated"}, schemas.Filters{}), Event{Type: "entityDeleted"}, false},
		{"Atlan asset type", hook("w", []string{"*"}, schemas.Filters{EntityTypes: []string{"column"}}), Event{Type: "tagAdded", EntityType: "table"}, false},
		{"include on non-update passes", hook("w", []string{"*"}, schemas.Filters{Include: []string{"description"}}), Event{Type: "entityCreated"}, true},
		{"exclude only excluded changes", hook("w", []string{"*"}, schemas.Filters{Exclude: []string{"usageSummary", "version"}}), Event{Type: "entityUpdated", ChangedFields: []string{"usageSummary", "version"}}, false},
		{"exclude with another change", hook("w", []string{"*"}, schemas.Filters{Exclude: []string{"usageSummary"}}), Event{Type: "entityUpdated", ChangedFields: []string{"usageSummary", "owner"}}, true},
		{"exclude tag", hook("w", []string{"*"}, schemas.Filters{Exclude: []string{"tag:PII.Sensitive"}}), Event{Type: "entityCreated", Tags: []string{"PII.Sensitive"}}, false},
		{"include tag", hook("w", []string{"*"}, schemas.Filters{Include: []string{"tag:PII.Sensitive"}}), Event{Type: "entityCreated", Tags: []string{"Tier.Tier1"}}, false},
		{"domains filter", hook("w", []string{"*"}, schemas.Filters{Domains: []string{"Finance"}}), Event{Type: "entityCreated", Domain: "Sales"}, false},
		{"tags filter any", hook("w", []string{"*"}, schemas.Filters{Tags: []string{"a", "b"}}), Event{Type: "entityCreated", Tags: []string{"c", "b"}}, true},
		{"workflow failed only", hook("w", []string{"workflowFailed"}, schemas.Filters{}), Event{Type: "workflowSucceeded", IsWorkflow: true}, false},
		{"workflow name", hook("w", []string{"workflowFailed"}, schemas.Filters{WorkflowNames: []string{"nightly"}}), Event{Type: "workflowFailed", IsWorkflow: true, WorkflowName: "nightly"}, true},
		{"workflow other name", hook("w", []string{"workflowFailed"}, schemas.Filters{WorkflowNames: []string{"nightly"}}), Event{Type: "workflowFailed", IsWorkflow: true, WorkflowName: "hourly"}, false},
		{"package name", hook("w", []string{"*"}, schemas.Filters{PackageNames: []string{"@atlan/dbt"}}), Event{Type: "workflowSucceeded", IsWorkflow: true, PackageName: "@atlan/snowflake"}, false},
		{"workflow ignores asset types", hook("w", []string{"workflowFailed"}, schemas.Filters{EntityTypes: []string{"table"}}), Event{Type: "workflowFailed", IsWorkflow: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Matches(tc.w, &tc.ev); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPersonalScope is Immuta's rule for alice's personal webhook:
// triggered hears her own actions, received others' actions on what she
// owns as a user, empty both; an entity owned by a team named alice is not
// hers, and a global webhook hears everyone.
func TestPersonalScope(t *testing.T) {
	aliceActs := Event{Type: "entityUpdated", Actor: "alice", OwnerType: "user", Owner: "carol"}
	aliceActsOnHers := Event{Type: "entityUpdated", Actor: "alice", OwnerType: "user", Owner: "alice"}
	bobOnAlices := Event{Type: "entityUpdated", Actor: "bob", OwnerType: "user", Owner: "alice"}
	bobOnTeamAlices := Event{Type: "entityUpdated", Actor: "bob", OwnerType: "team", Owner: "alice"}
	bobOnCarols := Event{Type: "entityUpdated", Actor: "bob", OwnerType: "user", Owner: "carol"}
	bobOnUnowned := Event{Type: "entityUpdated", Actor: "bob"}
	workflow := Event{Type: "workflowFailed", IsWorkflow: true}
	for _, tc := range []struct {
		name       string
		global     bool
		actionType string
		ev         Event
		want       bool
	}{
		{"both: her action", false, "", aliceActs, true},
		{"both: her action on her asset", false, "", aliceActsOnHers, true},
		{"both: other's action on her asset", false, "", bobOnAlices, true},
		{"both: asset of a team of her name", false, "", bobOnTeamAlices, false},
		{"both: other's action on other's asset", false, "", bobOnCarols, false},
		{"both: unowned asset", false, "", bobOnUnowned, false},
		{"both: workflow", false, "", workflow, false},
		{"triggered: her action", false, schemas.ActionTriggered, aliceActs, true},
		{"triggered: her action on her asset", false, schemas.ActionTriggered, aliceActsOnHers, true},
		{"triggered: other's action on her asset", false, schemas.ActionTriggered, bobOnAlices, false},
		{"triggered: workflow", false, schemas.ActionTriggered, workflow, false},
		{"received: her action", false, schemas.ActionReceived, aliceActs, false},
		{"received: her action on her asset", false, schemas.ActionReceived, aliceActsOnHers, false},
		{"received: other's action on her asset", false, schemas.ActionReceived, bobOnAlices, true},
		{"received: asset of a team of her name", false, schemas.ActionReceived, bobOnTeamAlices, false},
		{"received: other's action on other's asset", false, schemas.ActionReceived, bobOnCarols, false},
		{"global: other's action on other's asset", true, "", bobOnCarols, true},
		{"global: team's asset", true, "", bobOnTeamAlices, true},
		{"global: workflow", true, "", workflow, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := hook("mine", []string{"*"}, schemas.Filters{})
			w.Owner, w.Global, w.ActionType = "alice", tc.global, tc.actionType
			if got := Matches(w, &tc.ev); got != tc.want {
				t.Errorf("%+v: got %v, want %v", tc.ev, got, tc.want)
			}
		})
	}
}

// TestOwnerFromMetadata: the owner's type travels from the event to the
// match, so a team's entity is not a user's personal asset.
func TestOwnerFromMetadata(t *testing.T) {
	w := hook("mine", []string{"*"}, schemas.Filters{})
	w.Owner, w.Global = "data", false
	for _, tc := range []struct {
		ownerType string
		want      bool
	}{{"user", true}, {"team", false}} {
		e := &schemas.MetadataChangeEvent{EventType: "entityCreated", Actor: "bob",
			Entity: schemas.Entity{Type: "table", Owner: &schemas.Owner{Type: tc.ownerType, Name: "data"}}}
		ev := FromMetadata(e)
		if got := Matches(w, &ev); got != tc.want {
			t.Errorf("owner {%s data}: got %v, want %v", tc.ownerType, got, tc.want)
		}
	}
}

func TestStatus(t *testing.T) {
	ev := Event{Type: "entityCreated"}
	disabled := hook("d", []string{"*"}, schemas.Filters{})
	disabled.Enabled = false
	failed := hook("f", []string{"*"}, schemas.Filters{})
	failed.Health.Status = subscription.StatusFailed
	waiting := hook("r", []string{"*"}, schemas.Filters{})
	waiting.Health.Status = subscription.StatusAwaitingRetry
	if got := Build([]subscription.Webhook{disabled, failed, waiting}).Match(&ev, nil); !slices.Equal(got, []string{"r"}) {
		t.Errorf("disabled and failed webhooks must match nothing: %v", got)
	}
}

func TestWebhookNamingTypeTwiceMatchesOnce(t *testing.T) {
	w := hook("w", []string{"entityCreated", "*"}, schemas.Filters{EntityTypes: []string{"table", "*"}})
	if got := Build([]subscription.Webhook{w}).Match(&Event{Type: "entityCreated", EntityType: "table"}, nil); len(got) != 1 {
		t.Fatalf("got %v", got)
	}
}

// BenchmarkMatchSelective: 10,000 webhooks, each on one event type and one
// entity type with a domain filter; an event matches a handful.
func BenchmarkMatchSelective(b *testing.B) {
	types := []string{"entityCreated", "entityUpdated", "entityDeleted", "tagAdded", "tagRemoved", "customMetadataUpdated"}
	var hooks []subscription.Webhook
	for i := range 10_000 {
		hooks = append(hooks, hook(fmt.Sprintf("w%d", i), []string{types[i%len(types)]}, schemas.Filters{
			EntityTypes: []string{fmt.Sprintf("type%d", i%50)},
			Domains:     []string{fmt.Sprintf("domain%d", i%7)},
		}))
	}
	ix := Build(hooks)
	events := make([]Event, 256)
	for i := range events {
		events[i] = Event{Type: types[i%len(types)], EntityType: fmt.Sprintf("type%d", i%50), Domain: fmt.Sprintf("domain%d", i%7)}
	}
	var dst []string
	matched := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = ix.Match(&events[i%len(events)], dst[:0])
		matched += len(dst)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
}

// TestManyMatchesEachOnce crosses linearLimit: beyond it duplicates are
// found by a set, and every webhook must still come out exactly once.
func TestManyMatchesEachOnce(t *testing.T) {
	var hooks []subscription.Webhook
	for i := range 3 * linearLimit {
		hooks = append(hooks, hook(fmt.Sprint("w", i), []string{"entityCreated", "*"}, schemas.Filters{EntityTypes: []string{"table", "*"}}))
	}
	got := Build(hooks).Match(&Event{Type: "entityCreated", EntityType: "table"}, []string{"earlier"})
	if len(got) != 1+len(hooks) || got[0] != "earlier" {
		t.Fatalf("got %d ids (first %q), want %d after the earlier one", len(got), got[0], len(hooks))
	}
	seen := map[string]bool{}
	for _, id := range got[1:] {
		if seen[id] {
			t.Fatalf("%s matched twice", id)
		}
		seen[id] = true
	}
}

// Matches reports whether one subscription takes an event.
func Matches(w subscription.Webhook, ev *Event) bool {
	return len(Build([]subscription.Webhook{w}).Match(ev, nil)) == 1
}
