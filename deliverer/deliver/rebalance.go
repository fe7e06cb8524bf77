package deliver

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/outcome"
)

// adjustOffsets starts each newly assigned partition from its committed
// offset as the commit's metadata explains it (offsetmap.go): the records
// above it that are finished are skipped, and the lanes the commit carried
// are taken up again, so the partition is read from the lowest of their
// marks. kgo's own offset fetch drops the metadata, hence the second fetch.
func (d *Deliverer) adjustOffsets(ctx context.Context, assigned map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	committed, err := d.offsets.FetchOffsets(ctx, d.cfg.Group)
	if err == nil {
		err = committed.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("fetch committed offsets and their metadata: %w", err)
	}
	for topicName, parts := range assigned {
		for num := range parts {
			o, ok := committed.Lookup(topicName, num)
			if !ok || o.At < 0 {
				continue
			}
			done, lanes, err := decodeCommitMeta(o.At, o.Metadata)
			if err != nil {
				// At-least-once still holds from the offset; what the
				// metadata would have skipped is sent again.
				d.log.Warn("commit metadata unreadable: starting at the committed offset", "topic", topicName, "partition", num, "err", err)
			}
			parts[num] = kgo.NewOffset().At(d.recover(topicName, num, o.At, o.Metadata, done, lanes))
		}
	}
	return assigned, nil
}

// recover makes the state of a partition that starts from a commit at
// offset, and returns where to read it from.
func (d *Deliverer) recover(topicName string, num int32, offset int64, meta string, done finished, lanes []recoveredLane) int64 {
	p := d.newPartition(topicName, num)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next, p.done, p.recoverTo = offset, done, offset
	p.lastOffset, p.lastMeta = offset, meta
	p.main.lw.StartAt(offset)
	start := offset
	for _, rl := range lanes {
		if p.tier != outcome.NoTier {
			break
		}
		l := &lane{webhook: rl.webhook, part: p, next: rl.mark, done: rl.done, recovering: true}
		l.trk.lw.StartAt(rl.mark)
		p.lanes[rl.webhook] = l
		start = min(start, rl.mark)
	}
	return start
}

// onRevoked stops the revoked partitions, lets their in-flight requests
// finish (bounded), and commits what finished before the partitions move on.
func (d *Deliverer) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	parts := d.stopPartitions(revoked)
	deadline := time.NewTimer(d.cfg.ShutdownTimeout)
	defer deadline.Stop()
	for _, p := range parts {
		select {
		case <-p.drained:
		case <-deadline.C:
			d.log.Warn("revoke: in-flight deliveries did not finish; they will be redelivered", "topic", p.topic, "partition", p.num)
		case <-d.hardCtx.Done():
		}
	}
	d.commit(parts)
	d.forget(parts)
}

// onLost drops partitions that already belong to someone else: nothing of
// theirs may be committed any more.
func (d *Deliverer) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	d.forget(d.stopPartitions(lost))
}

// stopPartitions marks partitions revoked, abandons their waiting jobs and
// resumes them if paused (a paused partition would stay paused if it came
// back to this process).
func (d *Deliverer) stopPartitions(tps map[string][]int32) []*partition {
	var parts []*partition
	d.partsMu.Lock()
	for t, nums := range tps {
		for _, n := range nums {
			// Another deliverer reports this partition's lag from now on; a
			// stale value here would double it in sums.
			d.metrics.lag.DeleteLabelValues(t, strconv.Itoa(int(n)))
			if p, ok := d.parts[topicPartition{t, n}]; ok {
				parts = append(parts, p)
			}
		}
	}
	d.partsMu.Unlock()
	for _, p := range parts {
		backlog, paused := p.revoke()
		if paused {
			d.client.ResumeFetchPartitions(map[string][]int32{p.topic: {p.num}})
			d.metrics.paused.Dec()
		}
		for _, j := range backlog {
			j.abandon()
		}
	}
	d.sweepQueues()
	return parts
}

func (d *Deliverer) forget(parts []*partition) {
	d.partsMu.Lock()
	defer d.partsMu.Unlock()
	for _, p := range parts {
		if d.parts[topicPartition{p.topic, p.num}] == p {
			delete(d.parts, topicPartition{p.topic, p.num})
		}
	}
}
