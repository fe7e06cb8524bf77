package deliver

import (
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/schemas"
)

// outbox collects the records that make up one outcome; the first error
// sticks and fails the whole outcome.
type outbox struct {
	recs []*kgo.Record
	err  error
}

// add encodes v and adds it for topicName. It is for records whose size
// hookstream bounds itself (statuses): one over the broker's record size
// limit fails the outcome rather than fail to produce on every retry.
func (o *outbox) add(serde *schemas.Serde, topicName, key string, v any, headers ...kgo.RecordHeader) {
	r, ok := o.record(serde, topicName, key, v, headers...)
	if ok && !kafka.Fits(r) {
		o.fail(fmt.Errorf("%s record of %d bytes is over the record size limit of %d bytes", topicName, kafka.RecordBytes(r), kafka.MaxRecordBatchBytes))
		return
	}
	if ok {
		o.put(r)
	}
}

// record encodes v into a record for topicName without adding it, for the
// caller to check its size; false: the outbox has failed.
func (o *outbox) record(serde *schemas.Serde, topicName, key string, v any, headers ...kgo.RecordHeader) (*kgo.Record, bool) {
	if o.err != nil {
		return nil, false
	}
	b, err := serde.Encode(v)
	if err != nil {
		o.fail(fmt.Errorf("encode %s record: %w", topicName, err))
		return nil, false
	}
	return &kgo.Record{Topic: topicName, Key: []byte(key), Value: b, Headers: headers}, true
}

func (o *outbox) put(r *kgo.Record) {
	if o.err == nil && r != nil {
		o.recs = append(o.recs, r)
	}
}

func (o *outbox) fail(err error) {
	if o.err == nil {
		o.err = err
	}
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
