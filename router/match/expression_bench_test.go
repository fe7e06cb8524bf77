package match

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// typicalFilters are selective expressions of the kinds the seeds need,
// one per webhook in turn; %d makes each webhook's constant its own.
var typicalFilters = []string{
	`"cardTemplateId" in event.entity.customMetadata && event.entity.customMetadata["cardTemplateId"] == "%d"`,
	`event.entity.type == "table" && "PII.Sensitive" in event.entity.tags && event.entity.domain == "domain%d"`,
	`event.changeDescription.fieldsUpdated.exists(f, f.name == "owner") && event.entity.fullyQualifiedName.startsWith("db%d.")`,
	`(event.eventType == "entityCreated" && event.entity.type in ["table", "topic"]) || (event.eventType == "entityUpdated" && event.entity.name == "t%d")`,
}

// filterHooks are n webhooks each holding a typical expression. Indexed,
// they also name an event type and an entity type, as in selectiveHooks,
// so the index leaves a handful of candidates per event; unindexed, they
// take every event ("*", any entity), so every event meets all n
// expressions: the worst case, and the cost of one evaluation.
func filterHooks(n int, indexed bool) []subscription.Webhook {
	hooks := make([]subscription.Webhook, n)
	for i := range hooks {
		types, f := []string{"*"}, schemas.Filters{}
		if indexed {
			types = []string{benchEventTypes[i%len(benchEventTypes)]}
			f.EntityTypes = []string{fmt.Sprintf("type%d", i%50)}
		}
		hooks[i] = withFilter(hook(fmt.Sprintf("w%d", i), types, f), fmt.Sprintf(typicalFilters[i%len(typicalFilters)], i%7))
	}
	return hooks
}

// filterEvents are metadata events as the router decodes them, each with
// its expression view.
func filterEvents() []schemas.MetadataChangeEvent {
	events := make([]schemas.MetadataChangeEvent, 256)
	for i := range events {
		events[i] = schemas.MetadataChangeEvent{
			EventID: fmt.Sprint("e", i), EventType: benchEventTypes[i%len(benchEventTypes)], Timestamp: 1_700_000_000_000, Actor: "bob",
			Entity: schemas.Entity{
				ID: "id", Type: fmt.Sprintf("type%d", i%50), Name: fmt.Sprint("t", i%7), FullyQualifiedName: fmt.Sprintf("db%d.sales.orders", i%7),
				Owner: &schemas.Owner{Type: "user", Name: "alice"}, Tags: []string{"PII.Sensitive", "Tier.Tier1"},
				Domain: fmt.Sprintf("domain%d", i%7), CustomMetadata: map[string]string{"cardTemplateId": fmt.Sprint(i % 7)},
			},
			ChangeDescription: &schemas.ChangeDescription{FieldsUpdated: []schemas.FieldChange{{Name: "description"}, {Name: "owner"}}},
		}
	}
	return events
}

// BenchmarkMatchFilterExpressions is routing's matching step with 1,000
// webhooks each holding a filter expression: FromMetadata (the router does
// it once per decoded event) then Index.Match. It reports events/s on one
// core and, unindexed, ns per expression evaluation (time per event /
// expressions met). The destination slice is reused as the router reuses it.
func BenchmarkMatchFilterExpressions(b *testing.B) {
	const n = 1_000
	for _, indexed := range []bool{true, false} {
		b.Run(fmt.Sprintf("webhooks=%d/indexed=%v", n, indexed), func(b *testing.B) {
			ix := Build(filterHooks(n, indexed))
			events := filterEvents()
			var dst []string
			matched, i := 0, 0
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				ev := FromMetadata(&events[i%len(events)])
				dst = ix.Match(&ev, dst[:0])
				matched += len(dst)
				i++
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(i)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(matched)/float64(i), "matches/event")
			if !indexed {
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(i)/n, "ns/eval")
			}
		})
	}
}
