package deliver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/schemas"
)

// poll fetches while there is room for more pending records: a full budget
// stops fetching, it does not move work aside. Between a poll and the next
// it rewinds the partitions whose lanes want records again (SetOffsets is
// safe there: BlockRebalanceOnPoll keeps a revoke out).
func (d *Deliverer) poll(ctx context.Context) {
	for {
		if err := d.budget.wait(ctx); err != nil {
			return
		}
		pollCtx, stop := context.WithCancel(ctx)
		d.setPollStop(stop)
		fetches := d.client.PollRecords(pollCtx, d.budget.room())
		stop()
		if ctx.Err() != nil {
			d.client.AllowRebalance()
			return
		}
		rewound := d.applyRewinds()
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				d.log.Warn("fetch", "topic", t, "partition", p, "err", err)
			}
		})
		now := time.Now()
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) == 0 {
				return
			}
			d.takeRecords(ctx, fp.Topic, fp.Partition, fp.Records, now)
			lag := fp.HighWatermark - fp.Records[len(fp.Records)-1].Offset - 1
			d.metrics.lag.WithLabelValues(fp.Topic, strconv.Itoa(int(fp.Partition))).Set(float64(max(lag, 0)))
		})
		// The records fetched before a rewind are taken: what comes
		// next is the new read.
		for p, at := range rewound {
			p.beginRead(at)
		}
		d.client.AllowRebalance()
		d.metrics.pending.Set(float64(d.budget.count()))
	}
}

// setPollStop keeps the way to cut the poll in progress short.
func (d *Deliverer) setPollStop(stop context.CancelFunc) {
	d.pollMu.Lock()
	d.pollStop = stop
	d.pollMu.Unlock()
}

// rewind asks the poll loop to rewind parts for their lanes, and cuts the
// poll in progress short so that it does so now.
func (d *Deliverer) rewind(parts []*partition) {
	if len(parts) == 0 {
		return
	}
	d.pollMu.Lock()
	for _, p := range parts {
		d.rewinds[p] = struct{}{}
	}
	stop := d.pollStop
	d.pollMu.Unlock()
	if stop != nil {
		stop()
	}
}

// applyRewinds sets the partitions asked for back to the first record their
// lanes want again, and returns where each was set to; the records in
// between that are not the lanes' are skipped on the way (partition.take).
// SetOffsets drops what the client fetched and buffered before it, but not
// the records of the poll in hand: those are taken before the new read
// begins.
func (d *Deliverer) applyRewinds() map[*partition]int64 {
	d.pollMu.Lock()
	parts := d.rewinds
	d.rewinds = map[*partition]struct{}{}
	d.pollMu.Unlock()
	set := map[string]map[int32]kgo.EpochOffset{}
	rewound := map[*partition]int64{}
	for p := range parts {
		p.mu.Lock()
		at := p.rewindTo()
		p.mu.Unlock()
		if at < 0 {
			continue
		}
		if set[p.topic] == nil {
			set[p.topic] = map[int32]kgo.EpochOffset{}
		}
		set[p.topic][p.num] = kgo.EpochOffset{Epoch: -1, Offset: at}
		rewound[p] = at
	}
	if len(set) > 0 {
		d.client.SetOffsets(set)
	}
	return rewound
}

// takeRecords decodes the records of one partition and admits them.
func (d *Deliverer) takeRecords(ctx context.Context, topicName string, num int32, recs []*kgo.Record, now time.Time) {
	p := d.partition(topicName, num)
	for _, rec := range recs {
		trk := p.take(rec)
		if trk == nil {
			continue
		}
		d.budget.add()
		j := d.intake(ctx, p, rec)
		j.trk = trk
		d.admit(j, now)
	}
}

// intake makes the job of one fetched record of p: its task, or, for the
// rejected topic, why it cannot be delivered (it does not decode, invalid
// UTF-8 included, or its task lacks what delivery needs).
func (d *Deliverer) intake(ctx context.Context, p *partition, rec *kgo.Record) *job {
	j := &job{part: p, offset: rec.Offset, produced: rec.Timestamp, tier: p.tier}
	if j.bad = d.decode(ctx, rec, &j.task); j.bad == nil {
		j.bad = checkTask(&j.task)
	}
	if j.bad != nil {
		j.raw = rec
	}
	return j
}

// checkTask refuses a task that decodes but cannot be delivered or
// recorded: one without a webhook or delivery id, or with ids so long that
// the records about it could outgrow the broker's limit.
func checkTask(t *schemas.DeliveryTask) error {
	for _, f := range []struct {
		name, v  string
		required bool
	}{
		{"deliveryId", t.DeliveryID, true}, {"webhookId", t.WebhookID, true}, {"eventId", t.EventID, false}, {"eventType", t.EventType, false}, {"orderingKey", t.OrderingKey, false},
	} {
		switch {
		case f.v == "" && f.required:
			return fmt.Errorf("task: %s is empty", f.name)
		case len(f.v) > schemas.MaxIDBytes:
			return fmt.Errorf("task: %s is %d bytes, more than %d", f.name, len(f.v), schemas.MaxIDBytes)
		}
	}
	if t.Attempt < 1 {
		return fmt.Errorf("task: attempt %d, want 1 or more", t.Attempt)
	}
	return nil
}

// decode reads a task. A record that cannot be decoded (garbage, unknown
// schema) is returned as an error for the rejected topic; a registry outage
// is waited out, because rejecting good records for it would lose them.
func (d *Deliverer) decode(ctx context.Context, rec *kgo.Record, task *schemas.DeliveryTask) error {
	for {
		err := d.serde.Decode(ctx, rec.Value, task)
		if err == nil || schemas.IsRejectable(err) || ctx.Err() != nil {
			return err
		}
		d.log.Warn("decode task: registry unavailable, retrying", "topic", rec.Topic, "offset", rec.Offset, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// partition is the state of an assigned partition, made at its first
// record unless adjustOffsets made it from its commit.
func (d *Deliverer) partition(topicName string, num int32) *partition {
	d.partsMu.Lock()
	p, ok := d.parts[topicPartition{topicName, num}]
	d.partsMu.Unlock()
	if ok {
		return p
	}
	return d.newPartition(topicName, num)
}

// newPartition makes the state of a partition just assigned, replacing any
// left from before.
func (d *Deliverer) newPartition(topicName string, num int32) *partition {
	p := newPartition(topicName, num, d.tierOf[topicName])
	if p.tier != outcome.NoTier {
		p.delay = d.delays[p.tier]
	}
	p.onRelease = d.budget.sub
	d.partsMu.Lock()
	d.parts[topicPartition{topicName, num}] = p
	d.partsMu.Unlock()
	return p
}

// dispatch hands a job to its endpoint, or rejects an undecodable record.
func (d *Deliverer) dispatch(j *job) {
	if j.bad != nil {
		d.reject(j)
		return
	}
	d.endpoint(j.task.WebhookID).enqueue(j)
}
