package deliver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/health"
	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/schemas"
)

// record writes what an attempt means for each job of the batch — the
// attempt record, then a retry record or a dead letter where the task goes
// on, and the webhook's status when it changed — and finishes the jobs once
// all of it is durable. An ordered job to be attempted again is not
// finished: it waits for its retry in its line (order.go).
func (d *Deliverer) record(e *endpoint, wh subscription.Webhook, jobs []*job, a attempt) {
	now := time.Now().UTC()
	out, res := d.outcome(wh, jobs, &a, now)
	if a.skipped {
		d.produceOutcome(e, out, res, a.result.Reason)
		return
	}
	h := health.Attempt{Result: a.result, StatusCode: a.res.StatusCode, DeadLettered: res.deadLettered, NextAttemptAt: res.nextAt, At: now}
	// The status is computed and its record produced under the book's
	// lock, so a webhook's status records reach the topic in order.
	d.statuses.apply(wh, h, wh.AutoDisableAfter, func(st *schemas.SubscriptionStatus) {
		if st != nil {
			d.metrics.statuses.WithLabelValues(st.Status).Inc()
			out.add(d.serde, d.names.SubscriptionStatus, wh.ID, st)
			if st.Status == subscription.StatusFailed || st.Status == subscription.StatusDisabled {
				d.log.Warn("webhook turned off", "webhookId", wh.ID, "status", st.Status, "consecutiveFailures", st.ConsecutiveFailures, "reason", st.LastFailureReason)
			}
		}
		d.produceOutcome(e, out, res, a.result.Reason)
	})
}

// results is what outcome decided for a batch: the jobs that end with it,
// and the ordered ones attempted again in place with their decisions.
type results struct {
	finished     []*job
	again        []*job
	decisions    []outcome.Decision
	deadLettered bool
	nextAt       time.Time
}

// produceOutcome writes out, then finishes the jobs that end and keeps the
// others for their retry; when out cannot be written, all are abandoned.
func (d *Deliverer) produceOutcome(e *endpoint, out outbox, res results, reason string) {
	if len(res.again) == 0 {
		d.produce(out, res.finished)
		return
	}
	all := append(append([]*job(nil), res.finished...), res.again...)
	if out.err != nil {
		d.produce(out, all)
		return
	}
	d.produceRecords(out.recs, func(ok bool) {
		if !ok {
			d.abandon(all)
			return
		}
		for _, j := range res.finished {
			j.done()
		}
		e.retryLater(res.again, res.decisions, wire.Text(reason))
	})
}

// outcome builds the records of what attempt a means for each job
// (outcome.Decide): its attempt record, and its retry record or dead
// letter. A task whose next record would be over the broker's record size
// limit goes to the rejected topic instead and ends there (deadLettered is
// then true too: it will not be retried). a's reason is made fit for
// records and logs.
func (d *Deliverer) outcome(wh subscription.Webhook, jobs []*job, a *attempt, now time.Time) (out outbox, res results) {
	a.result.Reason = wire.Text(a.result.Reason)
	for _, j := range jobs {
		rec := d.attemptRecord(j, *a, now)
		dec := outcome.Decide(a.result, a.final, d.delays, j.tier, int(j.task.Attempt), maxAttempts(wh, len(d.delays)), now)
		finished := true
		switch dec.Action {
		case outcome.Done:
			rec.Outcome = outcomeSuccess
		case outcome.DisableWebhook:
			rec.Outcome = outcomeDisabled
			if !d.deadLetter(&out, j, a.result.Reason+"; webhook disabled", a.res.StatusCode, now) {
				rec.Outcome = outcomeRejected
			}
		case outcome.Dead:
			rec.Outcome, res.deadLettered = outcomeDeadLettered, true
			if !d.deadLetter(&out, j, a.result.Reason, a.res.StatusCode, now) {
				rec.Outcome = outcomeRejected
			}
		case outcome.Again:
			at := notBefore(dec.At)
			switch {
			case j.ordered:
				rec.Outcome, rec.NextAttemptAt, res.nextAt = outcomeRetry, &at, at
				res.again, res.decisions = append(res.again, j), append(res.decisions, outcome.Decision{Action: dec.Action, Tier: dec.Tier, At: at})
				finished = false
			case d.retry(&out, j, dec.Tier, at, a.result.Reason):
				rec.Outcome, rec.NextAttemptAt, res.nextAt = outcomeRetry, &at, at
			default:
				rec.Outcome, res.deadLettered = outcomeRejected, true
			}
		}
		if finished {
			res.finished = append(res.finished, j)
		}
		d.metrics.deliveries.WithLabelValues(rec.Outcome).Inc()
		d.addAttempt(&out, &rec)
	}
	return out, res
}

// finishUnsent records jobs that were not sent: dropped (webhook deleted) or
// dead-lettered (webhook disabled or failed, so a redrive can send them once
// it is turned back on).
func (d *Deliverer) finishUnsent(jobs []*job, outcomeName, reason string) {
	now := time.Now().UTC()
	var out outbox
	for _, j := range jobs {
		rec := d.attemptRecord(j, attempt{result: outcome.Result{Reason: reason}}, now)
		rec.Outcome = outcomeName
		if outcomeName == outcomeDeadLettered && !d.deadLetter(&out, j, reason, 0, now) {
			rec.Outcome = outcomeRejected
		}
		d.addAttempt(&out, &rec)
		d.metrics.deliveries.WithLabelValues(rec.Outcome).Inc()
	}
	d.produce(out, jobs)
}

// deferJob writes a retry-tier job whose endpoint is to be moved aside to
// its tier again, unchanged: no attempt was made, so none is counted or
// recorded. (A deliveries job is parked instead, lane.go.)
func (d *Deliverer) deferJob(j *job) {
	t := j.task
	t.NotBefore = notBefore(time.Now().UTC().Add(d.delays[j.part.tier]))
	var out outbox
	outcomeName := outcomeDeferred
	if !d.carry(&out, j, d.names.Tiers[j.part.tier].Topic, &t, "deferred task", wire.TaskHeaders(&t)...) {
		outcomeName = outcomeRejected
	}
	d.metrics.deliveries.WithLabelValues(outcomeName).Inc()
	d.produce(out, []*job{j})
}

// reject keeps a record that cannot be delivered, with its reason.
func (d *Deliverer) reject(j *job) {
	d.produce(d.rejection(j, time.Now().UTC()), []*job{j})
}

// rejection is the outcome of a job whose record cannot be delivered (it
// did not decode, or its task lacks what delivery needs): one rejected
// record, which fits the broker's limit.
func (d *Deliverer) rejection(j *job, now time.Time) outbox {
	var out outbox
	rec, err := wire.Rejected(d.serde, d.names.Rejected, "deliverer", j.raw, j.bad.Error(), now)
	if err != nil {
		out.err = err
		return out
	}
	d.log.Warn("rejected record", "topic", j.raw.Topic, "partition", j.raw.Partition, "offset", j.raw.Offset, "reason", wire.Text(j.bad.Error()))
	d.metrics.deliveries.WithLabelValues(outcomeRejected).Inc()
	out.recs = append(out.recs, rec)
	return out
}

// carry adds v, the record that takes j's task on (a retry record, a dead
// letter), to out. When it would be over the broker's record size limit,
// it adds a rejected record of it instead, with j's record as the origin,
// and returns false: the task ends there, rather than fail to produce on
// every retry and hold its partition back forever.
func (d *Deliverer) carry(out *outbox, j *job, topicName string, v any, what string, headers ...kgo.RecordHeader) bool {
	rec, ok := out.record(d.serde, topicName, j.task.WebhookID, v, headers...)
	if !ok || kafka.Fits(rec) {
		out.put(rec)
		return true
	}
	reason := fmt.Sprintf("%s for %s would be %d bytes, over the record size limit of %d bytes: task rejected",
		what, topicName, kafka.RecordBytes(rec), kafka.MaxRecordBatchBytes)
	// The copy is the task as it was read, so the rejected record holds
	// what its origin offset holds.
	task, ok := out.record(d.serde, j.part.topic, j.task.WebhookID, &j.task)
	if !ok {
		return false
	}
	origin := &kgo.Record{Topic: j.part.topic, Partition: j.part.num, Offset: j.offset, Key: task.Key, Value: task.Value}
	rr, err := wire.Rejected(d.serde, d.names.Rejected, "deliverer", origin, reason, time.Now().UTC())
	if err != nil {
		out.fail(err)
		return false
	}
	d.log.Warn("rejected task", "topic", origin.Topic, "partition", origin.Partition, "offset", origin.Offset, "deliveryId", j.task.DeliveryID, "reason", reason)
	out.put(rr)
	return false
}

func (d *Deliverer) attemptRecord(j *job, a attempt, now time.Time) schemas.DeliveryAttempt {
	rec := schemas.DeliveryAttempt{
		AttemptID: schemas.NewAttemptID(now), DeliveryID: j.task.DeliveryID, WebhookID: j.task.WebhookID,
		EventID: j.task.EventID, EventType: j.task.EventType, Attempt: j.task.Attempt,
		Tier: d.tierName(j.tier), StatusCode: int32(a.res.StatusCode), LatencyMs: a.res.Latency.Milliseconds(),
		RequestHeaders: map[string]string{}, ResponseSnippet: a.res.Snippet, Timestamp: now,
		// The event stays in the task's record: history reads it from there
		// (a copy in every attempt was most of the attempt's bytes).
		TaskTopic: j.part.topic, TaskPartition: j.part.num, TaskOffset: j.offset,
	}
	if a.result.Kind != outcome.Success {
		rec.Error = wire.Text(a.result.Reason)
	}
	for k, v := range a.res.RequestHeader {
		rec.RequestHeaders[k] = strings.Join(v, ", ")
	}
	return rec
}

// addAttempt adds the attempt record rec to out. One that would be over
// the broker's record size limit is written without request headers and
// response snippet, so the attempt is still on record.
func (d *Deliverer) addAttempt(out *outbox, rec *schemas.DeliveryAttempt) {
	r, ok := out.record(d.serde, d.names.Attempts, rec.WebhookID, rec)
	if ok && !kafka.Fits(r) {
		rec.RequestHeaders, rec.ResponseSnippet = map[string]string{}, ""
		r, ok = out.record(d.serde, d.names.Attempts, rec.WebhookID, rec)
	}
	switch {
	case !ok:
	case !kafka.Fits(r):
		// Cannot be: intake bounds the task's ids and outcome the error.
		out.fail(fmt.Errorf("attempt record of %d bytes is over the record size limit", kafka.RecordBytes(r)))
	default:
		out.put(r)
	}
}

// retry adds the task's record for tier, attempt+1, due at; false: it did
// not fit and was rejected instead.
func (d *Deliverer) retry(out *outbox, j *job, tier int, at time.Time, reason string) bool {
	t := j.task
	t.Attempt++
	t.NotBefore, t.LastError = notBefore(at), reason
	return d.carry(out, j, d.names.Tiers[tier].Topic, &t, "retry record", wire.TaskHeaders(&t, wire.Header(wire.HeaderLastError, reason))...)
}

// deadLetter adds the task's dead letter; false: it did not fit and was
// rejected instead.
func (d *Deliverer) deadLetter(out *outbox, j *job, reason string, status int, now time.Time) bool {
	reason = wire.Text(reason)
	dl := schemas.DeadLetter{Task: j.task, Reason: reason, LastStatusCode: int32(status), Attempts: j.task.Attempt, DeadLetteredAt: now}
	// The reason travels in a header too, so any tool reading the topic
	// sees it without the Avro schema.
	if !d.carry(out, j, d.names.DeadLetters, &dl, "dead letter", wire.Header(wire.HeaderReason, reason), wire.Header(wire.HeaderEventType, j.task.EventType)) {
		return false
	}
	d.metrics.deadLetters.Inc()
	return true
}

// maxAttempts is the webhook's limit, or the tiers + 1.
func maxAttempts(wh subscription.Webhook, tiers int) int {
	if wh.MaxAttempts > 0 {
		return int(wh.MaxAttempts)
	}
	return tiers + 1
}

// batchID derives a batch's webhook-id from its tasks' delivery ids, so the
// same batch sent again carries the same id.
func batchID(ids []string) string {
	sum := sha256.Sum256([]byte(strings.Join(ids, "\x00")))
	return "msg_batch_" + hex.EncodeToString(sum[:16])
}

// notBefore is at as a task's notBefore keeps it: the record holds
// milliseconds, so at is rounded up to the next one, or the task would be
// due up to a millisecond before its tier's delay has passed.
func notBefore(at time.Time) time.Time {
	if ms := at.Truncate(time.Millisecond); !ms.Equal(at) {
		return ms.Add(time.Millisecond)
	}
	return at
}
