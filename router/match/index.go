package match

import (
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

// Index finds the webhooks of an event. It is immutable; build a new one
// when the subscription table changes.
type Index struct {
	byType map[string]*bucket
	size   int
}

// bucket holds the webhooks of one event type.
type bucket struct {
	anyEntity []*filter            // no entity-type filter
	byEntity  map[string][]*filter // entity type -> webhooks that name it
	all       []*filter            // every webhook of the type, for workflow events
}

// Build indexes every deliverable webhook, compiling their filter
// expressions; a caller that rebuilds often keeps a Programs instead.
func Build(webhooks []subscription.Webhook) *Index {
	return NewPrograms(nil, nil).Build(webhooks)
}

func (ix *Index) add(f *filter, sub *schemas.Subscription) {
	types := sub.EventTypes
	if len(types) == 0 {
		types = []string{catalog.All}
	}
	for _, t := range types {
		if t == catalog.AllAlias {
			t = catalog.All
		}
		b := ix.byType[t]
		if b == nil {
			b = &bucket{byEntity: map[string][]*filter{}}
			ix.byType[t] = b
		}
		b.all = append(b.all, f)
		entityTypes := sub.Filters.EntityTypes
		if len(entityTypes) == 0 || contains(entityTypes, catalog.All) {
			b.anyEntity = append(b.anyEntity, f)
			continue
		}
		for _, et := range entityTypes {
			b.byEntity[et] = append(b.byEntity[et], f)
		}
	}
	ix.size++
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Len is the number of webhooks indexed.
func (ix *Index) Len() int { return ix.size }

// Match appends to dst the id of every webhook the event goes to, each once.
func (ix *Index) Match(ev *Event, dst []string) []string {
	m := matcher{dst: dst, start: len(dst)}
	for _, t := range [2]string{ev.Type, catalog.All} {
		b := ix.byType[t]
		if b == nil {
			continue
		}
		if ev.IsWorkflow {
			m.add(b.all, ev)
			continue
		}
		m.add(b.anyEntity, ev)
		m.add(b.byEntity[ev.EntityType], ev)
	}
	return m.dst
}

// linearLimit is how many matches are checked for duplicates by a scan;
// beyond it a set takes over, so a broad event matching thousands of
// webhooks costs linear, not quadratic, time (measured: 150 ms per event at
// 10,000 wildcard webhooks with the scan alone).
const linearLimit = 32

// matcher collects one event's matches; a webhook can sit in several buckets
// (its event type and "*", an entity type and any), so each is kept once.
type matcher struct {
	dst   []string
	start int
	set   map[string]struct{}
}

func (m *matcher) add(fs []*filter, ev *Event) {
	for _, f := range fs {
		if !f.matches(ev) || m.seen(f.webhookID) {
			continue
		}
		m.dst = append(m.dst, f.webhookID)
		if m.set != nil {
			m.set[f.webhookID] = struct{}{}
		}
	}
}

func (m *matcher) seen(id string) bool {
	found := m.dst[m.start:]
	if m.set == nil {
		if len(found) <= linearLimit {
			for _, x := range found {
				if x == id {
					return true
				}
			}
			return false
		}
		m.set = make(map[string]struct{}, 2*len(found))
		for _, x := range found {
			m.set[x] = struct{}{}
		}
	}
	_, ok := m.set[id]
	return ok
}
