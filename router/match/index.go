package match

import (
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
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

// Build indexes every deliverable webhook.
func Build(webhooks []subscription.Webhook) *Index {
	ix := &Index{byType: map[string]*bucket{}}
	for i := range webhooks {
		w := &webhooks[i]
		if !w.Deliverable() {
			continue
		}
		ix.add(&w.Subscription)
	}
	return ix
}

func (ix *Index) add(sub *schemas.Subscription) {
	f := compile(sub.ID, sub)
	types := sub.EventTypes
	if len(types) == 0 {
		types = []string{AllEvents}
	}
	for _, t := range types {
		if t == AllEventsAlias {
			t = AllEvents
		}
		b := ix.byType[t]
		if b == nil {
			b = &bucket{byEntity: map[string][]*filter{}}
			ix.byType[t] = b
		}
		b.all = append(b.all, f)
		entityTypes := sub.Filters.EntityTypes
		if len(entityTypes) == 0 || contains(entityTypes, "*") {
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
	start := len(dst)
	for _, t := range [2]string{ev.Type, AllEvents} {
		b := ix.byType[t]
		if b == nil {
			continue
		}
		if ev.IsWorkflow {
			dst = appendMatches(dst, start, b.all, ev)
			continue
		}
		dst = appendMatches(dst, start, b.anyEntity, ev)
		dst = appendMatches(dst, start, b.byEntity[ev.EntityType], ev)
	}
	return dst
}

func appendMatches(dst []string, start int, fs []*filter, ev *Event) []string {
	for _, f := range fs {
		if !f.matches(ev) || seen(dst[start:], f.webhookID) {
			continue
		}
		dst = append(dst, f.webhookID)
	}
	return dst
}

// seen is a linear scan: an event matches few webhooks, and a map per event
// would cost more than it saves.
func seen(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Matches reports whether one subscription takes an event, for a replay to a
// single webhook.
func Matches(w subscription.Webhook, ev *Event) bool {
	return len(Build([]subscription.Webhook{w}).Match(ev, nil)) == 1
}
