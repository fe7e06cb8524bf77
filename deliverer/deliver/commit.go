package deliver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// commitInterval is how often the partitions' progress is committed when no
// ordered key is waiting for a commit (then it is at once).
const commitInterval = 200 * time.Millisecond

// keptRuns bounds the run buffer a partition keeps between commits: a
// window finished out of order across many lanes needs more now and then,
// and need not hold it.
const keptRuns = 2 * maxCommitRuns

// commitLoop commits every partition's progress a few times a second, and
// at once when an ordered key waits for its last job's commit.
func (d *Deliverer) commitLoop(ctx context.Context) {
	t := time.NewTicker(commitInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.commitKick:
		}
		d.commitAll()
	}
}

// kickCommit asks the commit loop for a commit now.
func (d *Deliverer) kickCommit() {
	select {
	case d.commitKick <- struct{}{}:
	default:
	}
}

func (d *Deliverer) commitAll() {
	d.partsMu.Lock()
	parts := make([]*partition, 0, len(d.parts))
	for _, p := range d.parts {
		parts = append(parts, p)
	}
	d.partsMu.Unlock()
	d.commit(parts)
}

// snapshot is what one commit of a partition says: its offset (the main
// tracker's low-water mark), the metadata with its finished records and
// lanes, and how far each tracker's runs reach in it.
type snapshot struct {
	p        *partition
	offset   int64
	meta     string
	seq      uint64
	mainEnd  int64
	lanes    []*lane
	laneEnds []int64
	// heal: a lane wants records read again (lane.heal).
	heal bool
}

// snapshot takes the partition's commit; false: nothing was tracked yet.
// changed says whether it differs from the last one that succeeded.
func (p *partition) snapshot() (s snapshot, changed, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLanes()
	for _, l := range p.lanes {
		if l.heal() {
			s.heal = true
		}
	}
	// The runs of every tracker go into one buffer the partition keeps:
	// they are read on every commit and dropped once encoded.
	base, buf := p.main.lw.Runs(p.runs[:0], maxCommitRuns)
	if base < 0 {
		return s, false, false
	}
	runs := buf[:len(buf):len(buf)]
	ids := make([]string, 0, len(p.lanes))
	for id := range p.lanes {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the same state gives the same metadata
	metas := make([]laneMeta, 0, len(ids))
	for _, id := range ids {
		l := p.lanes[id]
		from := len(buf)
		var mark int64
		mark, buf = l.trk.lw.Runs(buf, maxCommitRuns)
		if mark < 0 {
			mark = l.next
		}
		metas = append(metas, laneMeta{webhook: id, mark: mark, runs: buf[from:len(buf):len(buf)]})
		s.lanes = append(s.lanes, l)
	}
	s.p, s.offset, s.seq = p, base, p.seq
	s.meta, s.mainEnd, s.laneEnds = encodeCommitMeta(base, runs, metas)
	if cap(buf) <= keptRuns {
		p.runs = buf
	}
	return s, base != p.lastOffset || s.meta != p.lastMeta, true
}

// committed records a snapshot as durable and releases the ordered jobs
// it has on record.
func (s snapshot) committed() {
	p := s.p
	p.mu.Lock()
	p.lastOffset, p.lastMeta = s.offset, s.meta
	ready := p.main.committed(s.mainEnd, s.seq)
	for i, l := range s.lanes {
		ready = append(ready, l.trk.committed(s.laneEnds[i], s.seq)...)
	}
	p.mu.Unlock()
	for _, j := range ready {
		j.ep.released(j)
	}
}

// commit commits the parts whose progress moved since their last commit,
// each with its metadata.
func (d *Deliverer) commit(parts []*partition) {
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	offsets := map[string]map[int32]kgo.EpochOffset{}
	metas := map[string]map[int32]string{}
	var snaps []snapshot
	var heal []*partition
	defer func() { d.rewind(heal) }()
	for _, p := range parts {
		s, changed, ok := p.snapshot()
		if s.heal {
			heal = append(heal, p)
		}
		switch {
		case !ok:
			continue
		case !changed:
			// What is on record already says all the snapshot says.
			s.committed()
			continue
		}
		if offsets[p.topic] == nil {
			offsets[p.topic], metas[p.topic] = map[int32]kgo.EpochOffset{}, map[int32]string{}
		}
		offsets[p.topic][p.num] = kgo.EpochOffset{Epoch: -1, Offset: s.offset}
		metas[p.topic][p.num] = s.meta
		snaps = append(snaps, s)
	}
	if len(snaps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The client writes its member id as every commit's metadata; the
	// partitions' own go there instead.
	ctx = kgo.PreCommitFnContext(ctx, func(req *kmsg.OffsetCommitRequest) error {
		for i := range req.Topics {
			t := &req.Topics[i]
			for j := range t.Partitions {
				m := metas[t.Topic][t.Partitions[j].Partition]
				t.Partitions[j].Metadata = &m
			}
		}
		return nil
	})
	var commitErr error
	d.client.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			commitErr = err
			return
		}
		commitErr = commitResponseErr(resp)
	})
	if commitErr != nil {
		d.log.Warn("commit offsets", "err", commitErr)
		return
	}
	for _, s := range snaps {
		s.committed()
	}
}

// commitResponseErr is the first partition error of a commit response.
func commitResponseErr(resp *kmsg.OffsetCommitResponse) error {
	var errs []string
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				errs = append(errs, fmt.Sprintf("%s/%d: %v", t.Topic, p.Partition, err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("commit %s", strings.Join(errs, "; "))
	}
	return nil
}
