package load

import (
	"slices"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

func TestInterleaveGivesEveryEntityItsUpdatesNearEachOther(t *testing.T) {
	const entities, updates, window = 500, 3, 20
	keys := Interleave(entities, updates, window, 7)
	if len(keys) != entities*updates {
		t.Fatalf("%d keys, want %d", len(keys), entities*updates)
	}
	prev, count := map[string]int{}, map[string]int{}
	gaps, gapSum := 0, 0
	for i, k := range keys {
		if p, ok := prev[k]; ok {
			gaps++
			gapSum += i - p
		}
		prev[k] = i
		count[k]++
	}
	if len(count) != entities {
		t.Fatalf("%d distinct keys, want %d", len(count), entities)
	}
	for k, n := range count {
		if n != updates {
			t.Fatalf("key %s has %d events, want %d", k, n, updates)
		}
	}
	// Each draw takes one of window open entities, so the next update of a
	// key comes about window events later: not back to back (no mixing),
	// not across the whole load (no key conflicts in one fetch).
	if mean := float64(gapSum) / float64(gaps); mean < window/2 || mean > 2*window {
		t.Fatalf("updates of one key are %.1f events apart on average, want about %d", mean, window)
	}
	if again := Interleave(entities, updates, window, 7); !slices.Equal(keys, again) {
		t.Fatal("the same seed gave another sequence")
	}
	if other := Interleave(entities, updates, window, 8); slices.Equal(keys, other) {
		t.Fatal("another seed gave the same sequence")
	}
}

func TestInterleaveOfOneEntityIsOneKey(t *testing.T) {
	keys := Interleave(1, 10, 100, 1)
	if len(keys) != 10 {
		t.Fatalf("%d keys, want 10", len(keys))
	}
	for _, k := range keys {
		if k != EntityKey(0) {
			t.Fatalf("key %q, want %q", k, EntityKey(0))
		}
	}
}

func TestEverySlowTagsTheAskedShareWithKeysOfTheirOwn(t *testing.T) {
	for _, c := range []struct{ n, slow, want int }{
		{10000, 160, 160}, {100, 160, 100}, {10, 3, 3}, {7, 2, 2}, {5, 0, 0},
	} {
		shape, tagged := EverySlow(c.n, c.slow)
		if tagged != c.want {
			t.Errorf("EverySlow(%d, %d) tags %d, want %d", c.n, c.slow, tagged, c.want)
			continue
		}
		keys := map[string]bool{}
		for i := range c.n {
			ev := &schemas.MetadataChangeEvent{Entity: schemas.Entity{ID: "synthetic", Tags: []string{"PII.Sensitive"}}}
			if shape != nil {
				shape(i, ev)
			}
			if slices.Contains(ev.Entity.Tags, SlowTag) {
				if keys[ev.Entity.ID] || ev.Entity.ID == "synthetic" {
					t.Fatalf("EverySlow(%d, %d): event %d has key %q, not one of its own", c.n, c.slow, i, ev.Entity.ID)
				}
				keys[ev.Entity.ID] = true
			} else if ev.Entity.ID != "synthetic" {
				t.Fatalf("EverySlow(%d, %d): untagged event %d got key %q", c.n, c.slow, i, ev.Entity.ID)
			}
		}
		if len(keys) != c.want {
			t.Errorf("EverySlow(%d, %d): %d events tagged, want %d", c.n, c.slow, len(keys), c.want)
		}
	}
}
