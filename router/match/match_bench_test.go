package match

import (
	"fmt"
	"testing"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

var (
	benchSizes      = []int{10, 1_000, 10_000}
	benchEventTypes = []string{"entityCreated", "entityUpdated", "entityDeleted", "tagAdded", "tagRemoved", "customMetadataUpdated"}
)

// broadHooks are n webhooks on every event ("*") without filters: every
// event matches all of them (an audit log, or the fan-out scenario).
func broadHooks(n int) []subscription.Webhook {
	hooks := make([]subscription.Webhook, n)
	for i := range hooks {
		hooks[i] = hook(fmt.Sprintf("w%d", i), []string{catalog.All}, schemas.Filters{})
	}
	return hooks
}

// selectiveHooks are n webhooks each on one event type and one entity type
// with a domain filter, as in BenchmarkMatchSelective: an event matches
// about n/1,000 of them.
func selectiveHooks(n int) []subscription.Webhook {
	hooks := make([]subscription.Webhook, n)
	for i := range hooks {
		hooks[i] = hook(fmt.Sprintf("w%d", i), []string{benchEventTypes[i%len(benchEventTypes)]}, schemas.Filters{
			EntityTypes: []string{fmt.Sprintf("type%d", i%50)},
			Domains:     []string{fmt.Sprintf("domain%d", i%7)},
		})
	}
	return hooks
}

func benchEvents() []Event {
	events := make([]Event, 256)
	for i := range events {
		events[i] = Event{
			Type: benchEventTypes[i%len(benchEventTypes)], EntityType: fmt.Sprintf("type%d", i%50),
			Domain: fmt.Sprintf("domain%d", i%7), Tags: []string{"PII.Sensitive", "Tier.Tier1"},
			OwnerType: "user", Owner: "alice", Actor: "bob", ChangedFields: []string{"description"},
		}
	}
	return events
}

// BenchmarkMatch is Index.Match of one event against 10, 1,000 and 10,000
// webhooks, with broad (wildcard, unfiltered: every webhook matches) and
// selective (a handful match) subscriptions. The destination slice is reused
// as the router reuses it.
func BenchmarkMatch(b *testing.B) {
	for _, kind := range []struct {
		name  string
		hooks func(int) []subscription.Webhook
	}{{"broad", broadHooks}, {"selective", selectiveHooks}} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("filter=%s/webhooks=%d", kind.name, n), func(b *testing.B) {
				ix := Build(kind.hooks(n))
				events := benchEvents()
				var dst []string
				matched, i := 0, 0
				b.ReportAllocs()
				for b.Loop() {
					dst = ix.Match(&events[i%len(events)], dst[:0])
					matched += len(dst)
					i++
				}
				b.ReportMetric(float64(matched)/float64(i), "matches/event")
			})
		}
	}
}

// BenchmarkBuild is Build of the whole index, which the router redoes at the
// next batch after any change to the subscription table.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("webhooks=%d", n), func(b *testing.B) {
			hooks := selectiveHooks(n)
			b.ReportAllocs()
			for b.Loop() {
				if ix := Build(hooks); ix.Len() != n {
					b.Fatalf("indexed %d", ix.Len())
				}
			}
		})
	}
}
