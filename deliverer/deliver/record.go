package deliver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/deliverer/health"
	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// record writes what an attempt means for each job of the batch — the
// attempt record, then a retry record or a dead letter where the task goes
// on, and the webhook's status when it changed — and finishes the jobs once
// all of it is durable.
func (d *Deliverer) record(wh subscription.Webhook, jobs []*job, a attempt) {
	now := time.Now().UTC()
	var (
		out          outbox
		deadLettered bool
		nextAt       time.Time
	)
	for _, j := range jobs {
		rec := d.attemptRecord(j, a, now)
		switch {
		case a.result.Kind == outcome.Success:
			rec.Outcome = outcomeSuccess
		case a.result.Kind == outcome.Disable:
			rec.Outcome = outcomeDisabled
			d.deadLetter(&out, j, a.result.Reason+"; webhook disabled", a.res.StatusCode, now)
		default:
			next, dead := outcome.NoTier, true
			if !a.final {
				next, dead = outcome.NextTier(d.delays, j.part.tier, int(j.task.Attempt), maxAttempts(wh, len(d.delays)), a.result.MinWait(now))
			}
			if dead {
				rec.Outcome, deadLettered = outcomeDeadLettered, true
				d.deadLetter(&out, j, a.result.Reason, a.res.StatusCode, now)
			} else {
				at := now.Add(d.delays[next])
				rec.Outcome, rec.NextAttemptAt, nextAt = outcomeRetry, &at, at
				d.retry(&out, j, next, at, a.result.Reason)
			}
		}
		d.metrics.deliveries.WithLabelValues(rec.Outcome).Inc()
		out.add(d.serde, d.names.Attempts, wh.ID, &rec)
	}
	if a.skipped {
		d.produce(out, jobs)
		return
	}
	autoDisable := wh.AutoDisableAfter
	if autoDisable <= 0 {
		autoDisable = int32(d.cfg.AutoDisableAfter)
	}
	h := health.Attempt{Result: a.result, StatusCode: a.res.StatusCode, DeadLettered: deadLettered, NextAttemptAt: nextAt, At: now}
	// The status is computed and its record produced under the book's
	// lock, so a webhook's status records reach the topic in order.
	d.statuses.apply(wh, h, autoDisable, func(st *schemas.SubscriptionStatus) {
		if st != nil {
			d.metrics.statuses.WithLabelValues(st.Status).Inc()
			out.add(d.serde, d.names.SubscriptionStatus, wh.ID, st)
			if st.Status == subscription.StatusFailed || st.Status == subscription.StatusDisabled {
				d.log.Warn("webhook turned off", "webhookId", wh.ID, "status", st.Status, "consecutiveFailures", st.ConsecutiveFailures, "reason", st.LastFailureReason)
			}
		}
		d.produce(out, jobs)
	})
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
		out.add(d.serde, d.names.Attempts, j.task.WebhookID, &rec)
		if outcomeName == outcomeDeadLettered {
			d.deadLetter(&out, j, reason, 0, now)
		}
		d.metrics.deliveries.WithLabelValues(outcomeName).Inc()
	}
	d.produce(out, jobs)
}

// deferJob moves a job whose endpoint queue is full to the first retry tier
// unchanged: no attempt was made, so none is counted or recorded.
func (d *Deliverer) deferJob(j *job) {
	t := j.task
	t.NotBefore = time.Now().UTC().Add(d.delays[0])
	d.metrics.deliveries.WithLabelValues(outcomeDeferred).Inc()
	var out outbox
	out.add(d.serde, d.names.Tiers[0].Topic, t.WebhookID, &t)
	d.produce(out, []*job{j})
}

// reject keeps a record that did not decode, with its reason.
func (d *Deliverer) reject(j *job) {
	rr := schemas.RejectedRecord{
		Topic: j.raw.Topic, Partition: j.raw.Partition, Offset: j.raw.Offset, Reason: j.bad.Error(),
		Component: "deliverer", Key: j.raw.Key, Value: j.raw.Value, RejectedAt: time.Now().UTC(),
	}
	if rr.Value == nil {
		rr.Value = []byte{}
	}
	d.log.Warn("rejected record", "topic", rr.Topic, "partition", rr.Partition, "offset", rr.Offset, "reason", rr.Reason)
	d.metrics.deliveries.WithLabelValues(outcomeRejected).Inc()
	var out outbox
	out.add(d.serde, d.names.Rejected, string(j.raw.Key), &rr)
	d.produce(out, []*job{j})
}

func (d *Deliverer) attemptRecord(j *job, a attempt, now time.Time) schemas.DeliveryAttempt {
	rec := schemas.DeliveryAttempt{
		AttemptID: newAttemptID(), DeliveryID: j.task.DeliveryID, WebhookID: j.task.WebhookID,
		EventID: j.task.EventID, EventType: j.task.EventType, Attempt: j.task.Attempt,
		Tier: d.tierName(j.part.tier), StatusCode: int32(a.res.StatusCode), LatencyMs: a.res.Latency.Milliseconds(),
		RequestHeaders: map[string]string{}, ResponseSnippet: a.res.Snippet, Event: j.task.Event, Timestamp: now,
	}
	if a.result.Kind != outcome.Success {
		rec.Error = a.result.Reason
	}
	for k, v := range a.res.RequestHeader {
		rec.RequestHeaders[k] = strings.Join(v, ", ")
	}
	return rec
}

func (d *Deliverer) retry(out *outbox, j *job, tier int, at time.Time, reason string) {
	t := j.task
	t.Attempt++
	t.NotBefore, t.LastError = at, reason
	out.add(d.serde, d.names.Tiers[tier].Topic, t.WebhookID, &t, kgo.RecordHeader{Key: "lastError", Value: []byte(reason)})
}

func (d *Deliverer) deadLetter(out *outbox, j *job, reason string, status int, now time.Time) {
	d.metrics.deadLetters.Inc()
	dl := schemas.DeadLetter{Task: j.task, Reason: reason, LastStatusCode: int32(status), Attempts: j.task.Attempt, DeadLetteredAt: now}
	// The reason travels in a header too, so any tool reading the topic
	// sees it without the Avro schema.
	out.add(d.serde, d.names.DeadLetters, j.task.WebhookID, &dl, kgo.RecordHeader{Key: "reason", Value: []byte(reason)})
}

// maxAttempts is the webhook's limit, or the tiers + 1.
func maxAttempts(wh subscription.Webhook, tiers int) int {
	if wh.MaxAttempts > 0 {
		return int(wh.MaxAttempts)
	}
	return tiers + 1
}

func newAttemptID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "att_" + hex.EncodeToString(b)
}

// batchID derives a batch's webhook-id from its tasks' delivery ids, so the
// same batch sent again carries the same id.
func batchID(ids []string) string {
	sum := sha256.Sum256([]byte(strings.Join(ids, "\x00")))
	return "msg_batch_" + hex.EncodeToString(sum[:16])
}
