// Package outcome turns the result of one delivery attempt into what happens
// next: done, retried in a later tier, dead-lettered, or the webhook
// disabled.
//
// It is pure (no clock, no Kafka) so that the rules — 2xx succeeds, 410
// disables at once, 429 honours Retry-After, a destination the outbound
// guard refuses is dead-lettered at once, everything else is retried — are
// pinned by table tests and shared by the first tier and the retry tiers
// instead of being re-derived in each.
package outcome

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookstream/hookstream/outbound/ssrf"
)

// Kind is what to do with a task after an attempt.
type Kind int

const (
	// Success: the endpoint took the delivery.
	Success Kind = iota
	// Retry: the attempt failed; the task moves on to a later tier.
	Retry
	// Disable: the endpoint said it is gone (410); retrying would only
	// hammer a receiver that asked us to stop.
	Disable
	// DeadLetter: no retry can cure the failure, because the outbound
	// guard, its allow-list or its deny-list refused the destination; the
	// task goes to dead letters after this one attempt. Retrying would only
	// be refused again through every tier, and a redrive sends the task
	// once the URL or the guard's configuration is fixed.
	DeadLetter
)

func (k Kind) String() string {
	switch k {
	case Success:
		return "success"
	case Retry:
		return "retry"
	case Disable:
		return "disable"
	case DeadLetter:
		return "dead-letter"
	}
	return "unknown"
}

// Result is the classification of one attempt.
type Result struct {
	Kind Kind
	// NotBefore is the endpoint's own earliest retry time (Retry-After on a
	// 429); zero when it gave none or gave one already past.
	NotBefore time.Time
	// Reason is a short text for the attempt log and the status API; it never
	// holds the response body, which is kept separately as a snippet.
	Reason string
}

// MinWait is how long from now the endpoint asked us to wait, for NextTier.
func (r Result) MinWait(now time.Time) time.Duration {
	if r.NotBefore.IsZero() || !r.NotBefore.After(now) {
		return 0
	}
	return r.NotBefore.Sub(now)
}

// Classify reads one attempt: the status code (ignored when err is set),
// the transport error, the response's Retry-After header and the time the
// response arrived, against which a Retry-After in seconds counts.
func Classify(status int, err error, retryAfter string, now time.Time) Result {
	if err != nil {
		return classifyErr(err)
	}
	switch {
	case status >= 200 && status < 300:
		return Result{Kind: Success, Reason: statusReason(status)}
	case status == http.StatusGone:
		return Result{Kind: Disable, Reason: "status 410: endpoint gone"}
	case status == http.StatusTooManyRequests:
		r := Result{Kind: Retry, Reason: "status 429: rate limited"}
		if t, ok := ParseRetryAfter(retryAfter, now); ok {
			r.NotBefore = t
			r.Reason += ", retry after " + t.Sub(now).String()
		}
		return r
	}
	// 3xx lands here too: following a redirect would let an endpoint lead
	// the sender past the SSRF allow-list, so the sender must not follow
	// one and a redirect counts as a failed attempt.
	return Result{Kind: Retry, Reason: statusReason(status)}
}

// classifyErr is the verdict on an attempt that got no answer. It is apart
// from Classify because its target for errors.As escapes to the heap, and
// most attempts have no error to look into.
func classifyErr(err error) Result {
	var blocked *ssrf.BlockedError
	switch {
	case errors.As(err, &blocked):
		return Result{Kind: DeadLetter, Reason: blocked.Error() + " (not retried)"}
	case errors.Is(err, ssrf.ErrBlocked):
		return Result{Kind: DeadLetter, Reason: "error: " + err.Error() + " (not retried)"}
	}
	return Result{Kind: Retry, Reason: errorReason(err)}
}

// statusReason is "status 204" and the like, built in one allocation.
func statusReason(status int) string {
	var b [24]byte
	return string(strconv.AppendInt(append(b[:0], "status "...), int64(status), 10))
}

// ParseRetryAfter reads Retry-After as delay-seconds or an HTTP date (RFC
// 9110 §10.2.3). ok is false when absent, unreadable or not in the future.
func ParseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseUint(v, 10, 63); err == nil {
		// Cap so a hostile value cannot overflow Duration; a day is beyond
		// any sane tier anyway and NextTier treats it as "the last tier".
		const maxSecs = 24 * 60 * 60
		if secs > maxSecs {
			secs = maxSecs
		}
		if secs == 0 {
			return time.Time{}, false
		}
		return now.Add(time.Duration(secs) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t, true
	}
	return time.Time{}, false
}

func errorReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error: " + err.Error()
}

// NoTier is the position of a task that has not been in a retry tier yet
// (it came from the deliveries topic).
const NoTier = -1

// NextTier says where a task goes after a failed attempt.
//
// delays are the tier delays (--retry-tiers), tier is the tier the failed
// attempt came from (NoTier for the first delivery), attempt is the 1-based
// number of the attempt that failed, maxAttempts the webhook's limit (0: only
// the tiers limit it) and minWait the endpoint's Retry-After (0: none).
//
// Without minWait the task goes to tier+1. With it, to the first tier from
// tier+1 on whose delay covers minWait, so the endpoint is not asked again
// before it said it is ready; when no remaining tier covers it, to the last
// tier, which waits the longest we can (dead-lettering on one 429 would be
// harsher than the endpoint asked for).
//
// A Retry-After never costs attempts: a task whose tiers ran out before its
// maxAttempts stays in the last tier until they are made, so a 429 that
// skipped tiers still gets every attempt the webhook allows. Only with
// maxAttempts 0 do the tiers alone end the task.
//
// deadLetter is true once the attempts or the tiers are used up.
func NextTier(delays []time.Duration, tier, attempt, maxAttempts int, minWait time.Duration) (next int, deadLetter bool) {
	if len(delays) == 0 || maxAttempts > 0 && attempt >= maxAttempts {
		return NoTier, true
	}
	last := len(delays) - 1
	first := max(tier+1, 0)
	if first > last {
		if maxAttempts > 0 {
			return last, false
		}
		return NoTier, true
	}
	for i := first; i <= last; i++ {
		if delays[i] >= minWait {
			return i, false
		}
	}
	return last, false
}

// Action is what becomes of one task after an attempt.
type Action int

const (
	// Done: delivered; the task ends.
	Done Action = iota
	// Again: the task is attempted again at Decision.At, from tier
	// Decision.Tier (a retry topic for unordered webhooks; for ordered ones
	// the task waits where it is, for the same delay).
	Again
	// Dead: the task goes to dead letters.
	Dead
	// DisableWebhook: the task goes to dead letters and the endpoint asked
	// to be left alone (410).
	DisableWebhook
)

func (a Action) String() string {
	switch a {
	case Done:
		return "done"
	case Again:
		return "again"
	case Dead:
		return "dead"
	case DisableWebhook:
		return "disable"
	}
	return "unknown"
}

// Decision is what Decide says of one task.
type Decision struct {
	Action Action
	// Tier is the retry tier of the next attempt (Again only).
	Tier int
	// At is when the next attempt may be made (Again only).
	At time.Time
}

// Decide is the whole rule of what follows an attempt, for the first
// delivery and the retries alike: a success ends the task, a 410 disables
// the webhook, a refusal that no retry can cure (final) dead-letters at once,
// and a failure is attempted again from the tier NextTier picks, at now plus
// that tier's delay, until the attempts or the tiers run out.
//
// tier is the tier the failed attempt came from (NoTier for the first),
// attempt its 1-based number, maxAttempts the webhook's limit (0: the tiers
// alone limit it).
func Decide(r Result, final bool, delays []time.Duration, tier, attempt, maxAttempts int, now time.Time) Decision {
	switch {
	case r.Kind == Success:
		return Decision{Action: Done}
	case r.Kind == Disable:
		return Decision{Action: DisableWebhook}
	case final || r.Kind == DeadLetter:
		return Decision{Action: Dead}
	}
	next, dead := NextTier(delays, tier, attempt, maxAttempts, r.MinWait(now))
	if dead {
		return Decision{Action: Dead}
	}
	return Decision{Action: Again, Tier: next, At: now.Add(delays[next])}
}
