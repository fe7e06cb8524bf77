package match

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

func withFilter(w subscription.Webhook, src string) subscription.Webhook {
	w.Filter = src
	return w
}

func metaEvent(e schemas.MetadataChangeEvent) *Event {
	ev := FromMetadata(&e)
	return &ev
}

func ptr(s string) *string { return &s }

// TestFilterExpressions: the expression of each seed need, ANDed with the
// fixed filters.
func TestFilterExpressions(t *testing.T) {
	table := schemas.MetadataChangeEvent{EventID: "e", EventType: "entityCreated", Actor: "bob", Entity: schemas.Entity{
		Type: "table", Name: "orders", Tags: []string{"PII.Sensitive"}, Domain: "Sales",
		CustomMetadata: map[string]string{"cardTemplateId": "1", "actionFlowConfigId": "7"},
	}}
	topicUpdated := table
	topicUpdated.EventType, topicUpdated.Entity.Type = "entityUpdated", "topic"
	topicUpdated.ChangeDescription = &schemas.ChangeDescription{FieldsUpdated: []schemas.FieldChange{{Name: "owner", NewValue: ptr(`"alice"`)}}}
	tableUpdated := topicUpdated
	tableUpdated.Entity.Type = "table"
	otherCard := table
	otherCard.Entity.CustomMetadata = map[string]string{"cardTemplateId": "2"}
	// OpenMetadata's eventFilters: tables and topics created, only tables updated.
	perType := `(event.eventType == "entityCreated" && event.entity.type in ["table", "topic"]) || (event.eventType == "entityUpdated" && event.entity.type == "table")`
	// Atomic: one card; a card-less entity has no key, and `in` guards it.
	card := `"cardTemplateId" in event.entity.customMetadata && event.entity.customMetadata["cardTemplateId"] == "1"`
	all := []string{"*"}
	for _, tc := range []struct {
		name string
		w    subscription.Webhook
		ev   *Event
		want bool
	}{
		{"per type: table created", withFilter(hook("w", all, schemas.Filters{}), perType), metaEvent(table), true},
		{"per type: topic updated", withFilter(hook("w", all, schemas.Filters{}), perType), metaEvent(topicUpdated), false},
		{"per type: table updated", withFilter(hook("w", all, schemas.Filters{}), perType), metaEvent(tableUpdated), true},
		{"tag", withFilter(hook("w", all, schemas.Filters{}), `event.entity.type == "table" && "PII.Sensitive" in event.entity.tags`), metaEvent(table), true},
		{"owner changed", withFilter(hook("w", all, schemas.Filters{}), `event.changeDescription.fieldsUpdated.exists(f, f.name == "owner")`), metaEvent(tableUpdated), true},
		{"owner not changed", withFilter(hook("w", all, schemas.Filters{}), `event.changeDescription.fieldsUpdated.exists(f, f.name == "owner")`), metaEvent(table), false},
		{"card", withFilter(hook("w", all, schemas.Filters{}), card), metaEvent(table), true},
		{"other card", withFilter(hook("w", all, schemas.Filters{}), card), metaEvent(otherCard), false},
		{"fixed filter and expression both pass", withFilter(hook("w", all, schemas.Filters{Domains: []string{"Sales"}}), card), metaEvent(table), true},
		{"fixed filter fails, expression passes", withFilter(hook("w", all, schemas.Filters{Domains: []string{"Finance"}}), card), metaEvent(table), false},
		{"fixed filter passes, expression fails", withFilter(hook("w", all, schemas.Filters{Domains: []string{"Sales"}}), card), metaEvent(otherCard), false},
		{"event type and expression", withFilter(hook("w", []string{"entityDeleted"}, schemas.Filters{}), card), metaEvent(table), false},
		{"workflow fields", withFilter(hook("w", all, schemas.Filters{}), `event.packageName == "@atlan/dbt" && event.runTime > 60`),
			func() *Event {
				ev := FromWorkflow(&schemas.WorkflowCompletionEvent{EventID: "w", Status: "failed", PackageName: "@atlan/dbt", RunTime: 61})
				return &ev
			}(), true},
		{"event built by hand", withFilter(hook("w", all, schemas.Filters{}), `event.eventType == "tagAdded"`), &Event{Type: "tagAdded"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Matches(tc.w, tc.ev); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

type failures struct {
	mu   sync.Mutex
	errs []FilterError
}

func (f *failures) add(e FilterError) { f.mu.Lock(); f.errs = append(f.errs, e); f.mu.Unlock() }

// TestFilterFailures: an expression that does not compile or fails to
// evaluate is no match, reported with its reason, First once per webhook;
// the other webhooks match as before.
func TestFilterFailures(t *testing.T) {
	var got failures
	p := NewPrograms(nil, got.add)
	all := []string{"*"}
	tags := make([]string, 300)
	for i := range tags {
		tags[i] = strings.Repeat("t", i%7+1)
	}
	hooks := []subscription.Webhook{
		withFilter(hook("broken", all, schemas.Filters{}), `event.entity.nope == 1`),
		withFilter(hook("missing-key", all, schemas.Filters{}), `event.entity.customMetadata["cardTemplateId"] == "1"`),
		withFilter(hook("costly", all, schemas.Filters{}), `event.entity.tags.all(a, event.entity.tags.all(b, a + b != ""))`),
		hook("plain", all, schemas.Filters{}),
	}
	ix := p.Build(hooks)
	ev := schemas.MetadataChangeEvent{EventID: "e", EventType: "entityCreated", Entity: schemas.Entity{Type: "table", Tags: tags}}
	for range 3 {
		m := metaEvent(ev)
		if ids := ix.Match(m, nil); !slices.Equal(ids, []string{"plain"}) {
			t.Fatalf("matched %v, want only plain", ids)
		}
	}
	ix = p.Build(hooks) // a rebuild reports the broken one again, not as First
	ix.Match(metaEvent(ev), nil)

	count := map[string]int{}
	firsts := map[string]int{}
	for _, e := range got.errs {
		count[e.WebhookID+"/"+e.Reason]++
		if e.First {
			firsts[e.WebhookID]++
		}
		if e.Err == nil {
			t.Errorf("%s: no error", e.WebhookID)
		}
	}
	want := map[string]int{"broken/" + FailCompile: 2, "missing-key/" + FailEvaluation: 4, "costly/" + FailCost: 4}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s reported %d times, want %d (all: %v)", k, count[k], n, count)
		}
	}
	for _, id := range []string{"broken", "missing-key", "costly"} {
		if firsts[id] != 1 {
			t.Errorf("%s reported First %d times, want 1", id, firsts[id])
		}
	}
}

// TestProgramsKeptAcrossBuilds: a rebuild reuses the compiled program of an
// unchanged expression and forgets those no longer used.
func TestProgramsKeptAcrossBuilds(t *testing.T) {
	p := NewPrograms(nil, nil)
	a := withFilter(hook("a", []string{"*"}, schemas.Filters{}), `event.actor == "a"`)
	b := withFilter(hook("b", []string{"*"}, schemas.Filters{}), `event.actor == "b"`)
	p.Build([]subscription.Webhook{a, b})
	before := p.byText[a.Filter].filter
	p.Build([]subscription.Webhook{a})
	if p.byText[a.Filter].filter != before {
		t.Error("an unchanged expression was compiled again")
	}
	if _, ok := p.byText[b.Filter]; ok || len(p.byText) != 1 {
		t.Errorf("programs kept: %d", len(p.byText))
	}
}
