package deliver

import (
	"errors"
	"time"

	"github.com/hookstream/hookstream/deliverer/circuit"
	"github.com/hookstream/hookstream/deliverer/outcome"
	"github.com/hookstream/hookstream/outbound/credential"
	"github.com/hookstream/hookstream/outbound/payload"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// attempt is what became of one request for a batch.
type attempt struct {
	result outcome.Result
	res    send.Result
	// skipped: no request went out (open circuit, unopenable secret); the
	// endpoint's health is not touched.
	skipped bool
	// final: the failure cannot be cured by retrying (the payload does not
	// render, the outbound guard refused the destination); the tasks go to
	// dead letters at once.
	final bool
}

// deliver makes one attempt for a batch of one webhook's jobs and records
// the outcome. The webhook is looked up now, so a change made since the task
// was routed (URL, headers, secret, status) applies to this attempt.
func (d *Deliverer) deliver(e *endpoint, jobs []*job) {
	wh, ok := d.lookup(jobs[0])
	if !ok && d.softCtx.Err() != nil {
		d.abandon(jobs) // shutdown cut the wait: the webhook may well exist
		return
	}
	if !ok {
		d.finishUnsent(jobs, outcomeDropped, "webhook deleted: task dropped")
		return
	}
	if reason := d.statuses.undeliverable(wh); reason != "" {
		d.finishUnsent(jobs, outcomeDeadLettered, reason)
		return
	}
	now := time.Now()
	var a attempt
	if !e.breaker.Allow(now) {
		a = attempt{skipped: true, result: outcome.Result{Kind: outcome.Retry, Reason: "circuit open: endpoint not answering, not called"}}
	} else {
		a = d.send(wh, jobs)
		if d.hardCtx.Err() != nil {
			// Shutdown cut the request: its outcome is unknown, the
			// records stay uncommitted and are delivered again.
			d.abandon(jobs)
			return
		}
		if !a.skipped {
			// A refusal of the guard says nothing against the
			// endpoint: it counts as reachable.
			reachable := a.res.Err == nil || errors.Is(a.res.Err, ssrf.ErrBlocked)
			before, after := e.breaker.Record(time.Now(), reachable)
			d.countCircuit(e.id, before, after)
		}
	}
	e.mu.Lock()
	e.failing = a.result.Kind != outcome.Success
	e.progress = time.Now()
	e.mu.Unlock()
	d.record(e, wh, jobs, a)
}

// send renders, signs and sends one request, and classifies its result.
func (d *Deliverer) send(wh subscription.Webhook, jobs []*job) attempt {
	tasks := make([]schemas.DeliveryTask, len(jobs))
	for i, j := range jobs {
		tasks[i] = j.task
	}
	body, err := payload.Render(payload.Webhook{ID: wh.ID, Name: wh.Name, Format: wh.PayloadFormat, BatchSize: int(wh.BatchSize), Template: wh.Template}, messageID(jobs), tasks)
	if err != nil {
		return attempt{final: true, skipped: true, result: outcome.Result{Kind: outcome.Retry, Reason: "payload: " + err.Error()}}
	}
	scheme, err := signature.ParseScheme(wh.Signature)
	if err != nil {
		return attempt{final: true, skipped: true, result: outcome.Result{Kind: outcome.Retry, Reason: err.Error()}}
	}
	cred, err := credential.Open(d.sealer, &wh.Subscription, time.Now())
	if err != nil {
		// Retried, not dead-lettered: a wrong --secret-key is fixed by
		// the operator, and the tiers give them the time.
		return attempt{skipped: true, result: outcome.Result{Kind: outcome.Retry, Reason: err.Error()}}
	}
	d.metrics.inFlight.Inc()
	res := d.sender.Send(d.hardCtx, send.Request{
		URL: wh.URL, Method: wh.Method, Headers: cred.Headers, Body: body,
		// Cut to --max-timeout: a webhook saved under a higher cap keeps its
		// timeoutSeconds in the subscriptions topic.
		Timeout: d.cfg.Webhooks.CapTimeout(time.Duration(wh.TimeoutSeconds) * time.Second),
		Scheme:  scheme, Secrets: cred.Secrets, MessageID: messageID(jobs),
	})
	d.metrics.inFlight.Dec()
	d.metrics.duration.Observe(res.Latency.Seconds())
	d.metrics.attempts.WithLabelValues(d.tierName(jobs[0].tier)).Add(float64(len(jobs)))
	result := outcome.Classify(res.StatusCode, res.Err, res.RetryAfter, time.Now())
	return attempt{res: res, result: result, final: result.Kind == outcome.DeadLetter}
}

// messageID is the webhook-id of a request: the delivery id of a single
// task, stable across its retries; a batch gets an id derived from its
// tasks' ids.
func messageID(jobs []*job) string {
	if len(jobs) == 1 {
		return jobs[0].task.DeliveryID
	}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.task.DeliveryID
	}
	return batchID(ids)
}

func (d *Deliverer) countCircuit(id string, before, after circuit.State) {
	switch {
	case before == circuit.Closed && after != circuit.Closed:
		d.metrics.openCircuits.Inc()
		d.log.Warn("circuit opened: endpoint not answering", "webhookId", id)
	case before != circuit.Closed && after == circuit.Closed:
		d.metrics.openCircuits.Dec()
		d.log.Info("circuit closed: endpoint answers again", "webhookId", id)
	}
}

func (d *Deliverer) abandon(jobs []*job) {
	for _, j := range jobs {
		j.abandon()
	}
}

// tierName is the attempt record's tier: "deliveries" or "retry.<delay>".
func (d *Deliverer) tierName(tier int) string {
	if tier == outcome.NoTier {
		return "deliveries"
	}
	return d.names.Tiers[tier].Topic[len(d.names.Prefix):]
}
