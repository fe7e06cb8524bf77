package deliver

import (
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/schemas"
)

// outbox collects the records that make up one outcome; the first encoding
// error sticks.
type outbox struct {
	recs []*kgo.Record
	err  error
}

func (o *outbox) add(serde *schemas.Serde, topicName, key string, v any, headers ...kgo.RecordHeader) {
	if o.err != nil {
		return
	}
	b, err := serde.Encode(v)
	if err != nil {
		o.err = fmt.Errorf("encode %s record: %w", topicName, err)
		return
	}
	o.recs = append(o.recs, &kgo.Record{Topic: topicName, Key: []byte(key), Value: b, Headers: headers})
}

// produce writes an outcome's records and finishes jobs once every one of
// them is acknowledged by all in-sync replicas: only then may their offsets
// be committed. Records that fail (after the client's own retries) are
// produced again until they land or shutdown cuts them; the jobs are then
// abandoned and delivered again by the next owner of their partitions.
func (d *Deliverer) produce(out outbox, jobs []*job) {
	if out.err != nil {
		d.log.Error("outcome not recorded; tasks will be delivered again", "err", out.err)
		d.abandon(jobs)
		return
	}
	d.produceRecords(out.recs, func(ok bool) {
		for _, j := range jobs {
			if ok {
				j.done()
			} else {
				j.abandon()
			}
		}
	})
}

func (d *Deliverer) produceRecords(recs []*kgo.Record, then func(ok bool)) {
	var (
		mu      sync.Mutex
		left    = len(recs)
		failed  []*kgo.Record
		lastErr error
	)
	for _, r := range recs {
		d.client.Produce(d.hardCtx, r, func(r *kgo.Record, err error) {
			mu.Lock()
			left--
			if err != nil {
				failed, lastErr = append(failed, r), err
			}
			finished := left == 0
			mu.Unlock()
			if !finished {
				return
			}
			switch {
			case len(failed) == 0:
				then(true)
			case d.hardCtx.Err() != nil:
				then(false)
			default:
				d.log.Warn("produce outcome failed, retrying", "records", len(failed), "err", lastErr)
				time.AfterFunc(time.Second, func() {
					if d.hardCtx.Err() != nil {
						then(false)
						return
					}
					d.produceRecords(failed, then)
				})
			}
		})
	}
}
