package load

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/hookstream/hookstream/schemas"
)

// EntityKey is the entity id, and so the Kafka key, of entity i of a keyed
// load.
func EntityKey(i int) string { return fmt.Sprintf("bench-entity-%05d", i) }

// Interleave returns the keys of entities × updates events: every entity
// changed updates times, as a bulk change reaches a catalog. At any moment
// window entities are being changed and the next event is one of theirs,
// drawn at random; an entity leaves the window after its last update and the
// next one enters. So the updates of one key lie about window events apart:
// close enough to meet each other in one fetch, where a deliverer that keeps
// one request per key in flight has to hold the later ones back, and mixed
// with other keys as a real bulk job mixes them. The seed fixes the
// sequence, so two runs compared with each other get the same load.
func Interleave(entities, updates, window int, seed uint64) []string {
	if entities < 1 || updates < 1 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	type active struct {
		key  string
		left int
	}
	next := 0
	var open []active
	refill := func() {
		for len(open) < max(window, 1) && next < entities {
			open = append(open, active{EntityKey(next), updates})
			next++
		}
	}
	refill()
	keys := make([]string, 0, entities*updates)
	for len(open) > 0 {
		i := rng.IntN(len(open))
		keys = append(keys, open[i].key)
		if open[i].left--; open[i].left == 0 {
			open = slices.Delete(open, i, i+1)
			refill()
		}
	}
	return keys
}

// Keyed is the Shape that gives event i the key keys[i].
func Keyed(keys []string) Shape {
	return func(i int, ev *schemas.MetadataChangeEvent) { ev.Entity.ID = keys[i] }
}

// SlowTag marks the events meant for the slow endpoint of the isolation
// scenario, whose webhook's filter takes only them.
const SlowTag = "Bench.Slow"

// SlowFilter is the filter expression of that webhook.
var SlowFilter = fmt.Sprintf("%q in event.entity.tags", SlowTag)

// EverySlow is the Shape that tags slow of n events, spread evenly from the
// first, with SlowTag and a key of their own (so an endpoint ordered by
// entity may have as many of them in flight as its bound allows), and
// returns how many it tags.
func EverySlow(n, slow int) (Shape, int) {
	if slow < 1 || n < 1 {
		return nil, 0
	}
	every := max(n/slow, 1)
	tagged := min(slow, (n+every-1)/every)
	return func(i int, ev *schemas.MetadataChangeEvent) {
		if i%every != 0 || i/every >= tagged {
			return
		}
		ev.Entity.ID = fmt.Sprintf("bench-slow-%05d", i/every)
		ev.Entity.Tags = append(slices.Clone(ev.Entity.Tags), SlowTag)
	}, tagged
}
