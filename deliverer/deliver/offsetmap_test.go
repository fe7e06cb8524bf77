package deliver

import (
	"fmt"
	"strings"
	"testing"
)

func TestCommitMetaRoundTrip(t *testing.T) {
	lanes := []laneMeta{{webhook: "wh-a", mark: 95, runs: []int64{1, 2, 3, 4}}, {webhook: "wh-b", mark: 120, runs: nil}}
	meta, mainEnd, laneEnds := encodeCommitMeta(100, []int64{2, 3}, lanes)
	if !strings.HasPrefix(meta, commitMetaPrefix) || len(meta) > maxCommitMeta {
		t.Fatalf("meta %q", meta)
	}
	if mainEnd != 105 || fmt.Sprint(laneEnds) != "[105 120]" {
		t.Fatalf("ends %d %v, want 105 [105 120]", mainEnd, laneEnds)
	}
	done, got, err := decodeCommitMeta(100, meta)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(done) != "[[102 105]]" {
		t.Errorf("finished %v, want [[102 105]]", done)
	}
	if len(got) != 2 || got[0].webhook != "wh-a" || got[0].mark != 95 || fmt.Sprint(got[0].done) != "[[96 98] [101 105]]" ||
		got[1].webhook != "wh-b" || got[1].mark != 120 || got[1].done != nil {
		t.Errorf("lanes %+v", got)
	}
	for _, o := range []int64{96, 97, 101, 104} {
		if !got[0].done.has(o) {
			t.Errorf("%d should be finished", o)
		}
	}
	for _, o := range []int64{95, 98, 100, 105} {
		if got[0].done.has(o) {
			t.Errorf("%d should not be finished", o)
		}
	}
}

// TestCommitMetaCutsRunsToFit: a fragmented partition's runs are cut to the
// size Kafka accepts, lanes are kept whole, and the ends say how far the
// written runs reach.
func TestCommitMetaCutsRunsToFit(t *testing.T) {
	var runs []int64
	for range 5000 {
		runs = append(runs, 1, 1)
	}
	var lanes []laneMeta
	for i := range maxLanes {
		lanes = append(lanes, laneMeta{webhook: strings.Repeat("x", 60) + fmt.Sprint(i), mark: 10, runs: runs})
	}
	meta, mainEnd, laneEnds := encodeCommitMeta(0, runs, lanes)
	if len(meta) > maxCommitMeta {
		t.Fatalf("metadata of %d bytes, over %d", len(meta), maxCommitMeta)
	}
	done, got, err := decodeCommitMeta(0, meta)
	if err != nil || len(got) != maxLanes {
		t.Fatalf("decode: %d lanes, %v", len(got), err)
	}
	if mainEnd <= 0 || mainEnd >= 10000 || mainEnd%2 != 0 {
		t.Errorf("main runs end at %d: want cut, on a pair", mainEnd)
	}
	if n := len(done); int64(n) != mainEnd/2 {
		t.Errorf("%d finished ranges below %d", n, mainEnd)
	}
	for i, e := range laneEnds {
		if e < 10 || e > mainEnd+10 {
			t.Errorf("lane %d ends at %d", i, e)
		}
	}
}

func TestCommitMetaRefusesDamage(t *testing.T) {
	for _, meta := range []string{"hs1:!!", "hs1:AQ", "hs1:" + strings.Repeat("_", 40)} {
		if _, _, err := decodeCommitMeta(0, meta); err == nil {
			t.Errorf("%q decoded", meta)
		}
	}
	if done, lanes, err := decodeCommitMeta(0, "member-1"); err != nil || done != nil || lanes != nil {
		t.Errorf("foreign metadata: %v %v %v", done, lanes, err)
	}
}

func FuzzDecodeCommitMeta(f *testing.F) {
	meta, _, _ := encodeCommitMeta(7, []int64{1, 2}, []laneMeta{{webhook: "w", mark: 3, runs: []int64{1, 1}}})
	f.Add(int64(7), meta)
	f.Fuzz(func(t *testing.T, offset int64, meta string) {
		_, _, _ = decodeCommitMeta(offset, meta)
	})
}
