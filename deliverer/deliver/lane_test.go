package deliver

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/outcome"
)

func takeOf(p *partition, webhook string, offset int64) *tracker {
	return p.take(&kgo.Record{Topic: p.topic, Partition: p.num, Offset: offset, Key: []byte(webhook)})
}

// A lane takes over its webhook's unfinished records, owns its later ones
// (the partition's offset moves past them), gives back at a park what was
// not out, takes it again after the rewind while skipping what it kept in
// memory, and ends only once everything it took is finished.
func TestLaneParkRewindAndEnd(t *testing.T) {
	p := newPartition("deliveries", 0, outcome.NoTier)
	jobs := map[int64]*job{}
	for o := int64(10); o <= 13; o++ {
		wh := "w"
		if o == 11 {
			wh = "other"
		}
		trk := takeOf(p, wh, o)
		if trk != &p.main {
			t.Fatalf("offset %d not taken into the partition's tracker", o)
		}
		jobs[o] = &job{part: p, offset: o, trk: trk}
	}
	p.mu.Lock()
	l := p.laneFor("w", []*job{jobs[10], jobs[12], jobs[13]})
	// 12 is out (in flight); 10 and 13 were queued and are put back.
	l.park([]*job{jobs[10], jobs[13]}, []*job{jobs[12]})
	p.mu.Unlock()
	if jobs[12].trk != &l.trk || jobs[10].trk != &l.trk {
		t.Fatal("the webhook's jobs did not move to its lane")
	}
	jobs[10].abandon()
	jobs[13].abandon()
	jobs[11].done()
	if m := markOf(t, p); m != 14 {
		t.Fatalf("partition mark %d with only the lane's records unfinished, want 14", m)
	}
	// A record of the webhook while parked is the lane's, and skipped.
	if takeOf(p, "w", 14) != nil {
		t.Fatal("a parked lane took a record")
	}
	if takeOf(p, "other", 15) != &p.main {
		t.Fatal("another webhook's record not taken")
	}
	jobs[15] = &job{part: p, offset: 15, trk: &p.main}
	s, _, _ := p.snapshot()
	_, lanes, err := decodeCommitMeta(s.offset, s.meta)
	if err != nil || len(lanes) != 1 || lanes[0].webhook != "w" || lanes[0].mark != 10 {
		t.Fatalf("commit metadata lanes %+v (%v), want w from 10", lanes, err)
	}

	p.mu.Lock()
	rewind := l.unpark()
	at := p.rewindTo()
	p.mu.Unlock()
	if !rewind || at != 10 {
		t.Fatalf("unpark: rewind %v to %d, want true to 10", rewind, at)
	}
	// A record of the read before the rewind, between the first to read
	// again and the last passed over, is not taken out of order: taking
	// it would skip 10 (the storm benchmark saw such records sent after
	// later ones of their key).
	if takeOf(p, "w", 13) != nil {
		t.Fatal("a record of the read before the rewind was taken")
	}
	p.beginRead(at)
	// Read again from 10: 10 and 13 and 14 are taken, 12 (kept) and 11
	// (another webhook's, taken before) are not.
	for _, c := range []struct {
		o    int64
		want bool
	}{{10, true}, {11, false}, {12, false}, {13, true}, {14, true}, {15, false}} {
		o, want := c.o, c.want
		wh := "w"
		if o == 11 || o == 15 {
			wh = "other"
		}
		trk := takeOf(p, wh, o)
		if (trk != nil) != want {
			t.Fatalf("read again, offset %d taken %v, want %v", o, trk != nil, want)
		}
		if trk != nil {
			jobs[o+100] = &job{part: p, offset: o, trk: trk}
		}
	}
	// Every offset is read in order in this test; the real reader goes on
	// past 15 as well.
	for _, o := range []int64{110, 113, 114} {
		jobs[o].done()
	}
	jobs[15].done()
	p.mu.Lock()
	p.endLanes()
	_, still := p.lanes["w"]
	p.mu.Unlock()
	if !still {
		t.Fatal("the lane ended with a job it kept still unfinished")
	}
	jobs[12].done()
	p.mu.Lock()
	p.endLanes()
	_, still = p.lanes["w"]
	p.mu.Unlock()
	if still {
		t.Fatal("the lane did not end with everything finished")
	}
	if m := markOf(t, p); m != 16 {
		t.Fatalf("partition mark %d, want 16", m)
	}
}

// A partition started from a commit skips what the commit says is finished,
// its lanes included, and is read from the lowest lane mark.
func TestRecoverFromCommitMetadata(t *testing.T) {
	meta, _, _ := encodeCommitMeta(20, []int64{1, 1}, []laneMeta{{webhook: "w", mark: 12, runs: []int64{1, 2}}})
	done, lanes, err := decodeCommitMeta(20, meta)
	if err != nil {
		t.Fatal(err)
	}
	d := &Deliverer{parts: map[topicPartition]*partition{}, tierOf: map[string]int{"deliveries": outcome.NoTier}, budget: newBudget(10)}
	if start := d.recover("deliveries", 0, 20, meta, done, lanes); start != 12 {
		t.Fatalf("start %d, want the lane's mark 12", start)
	}
	p := d.partition("deliveries", 0)
	for _, c := range []struct {
		wh     string
		offset int64
		taken  bool
	}{
		{"w", 12, true},      // the lane's first unfinished
		{"w", 13, false},     // finished, in the lane's runs
		{"other", 14, false}, // below the commit, another webhook's
		{"w", 15, true},
		{"other", 20, true},  // the commit's offset
		{"other", 21, false}, // finished above it
		{"w", 22, true},
	} {
		if got := takeOf(p, c.wh, c.offset) != nil; got != c.taken {
			t.Errorf("%s at %d taken %v, want %v", c.wh, c.offset, got, c.taken)
		}
	}
}
