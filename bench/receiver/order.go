package receiver

import "fmt"

// sampleLimit bounds the violations kept as examples.
const sampleLimit = 5

type keyOf struct{ webhook, key string }

// order checks what a webhook ordered by entity promises a receiver: the
// events of one key arrive in the order of the source log, one request at
// a time. A repeat of the last event seen (a redelivery after a crash or a
// retried failure) is allowed; an earlier event after a later one is a
// violation, and so is a request that arrives while another of its key is
// still being answered (an overlap). Arrivals count, whatever the answer:
// an event that got a 500 was still sent in that place. Not safe for
// concurrent use; the receiver holds its lock around every call.
type order struct {
	// last is the highest sequence number that arrived per (webhook, key).
	last map[keyOf]int
	// inFlight counts requests being answered per (webhook, key). A handler
	// leaves before net/http writes its answer, so the sender cannot start
	// the key's next request before the count went down.
	inFlight   map[keyOf]int
	violations int
	overlaps   int
	samples    []string
}

func newOrder() *order { return &order{last: map[keyOf]int{}, inFlight: map[keyOf]int{}} }

// arrive records that event seq of key reached webhook and returns the
// function to call once the request is answered.
func (o *order) arrive(webhook, key string, seq int) (leave func()) {
	k := keyOf{webhook, key}
	if o.inFlight[k] > 0 {
		o.overlaps++
		o.sample("webhook %s key %s: event %d arrived while %d of its key were in flight", webhook, key, seq, o.inFlight[k])
	}
	o.inFlight[k]++
	if last := o.last[k]; seq < last {
		o.violations++
		o.sample("webhook %s key %s: event %d arrived after event %d", webhook, key, seq, last)
	} else {
		o.last[k] = seq
	}
	return func() {
		if o.inFlight[k]--; o.inFlight[k] <= 0 {
			delete(o.inFlight, k)
		}
	}
}

func (o *order) sample(format string, args ...any) {
	if len(o.samples) < sampleLimit {
		o.samples = append(o.samples, fmt.Sprintf(format, args...))
	}
}

// reset forgets what arrived; requests in flight still leave.
func (o *order) reset() {
	o.last = map[keyOf]int{}
	o.violations, o.overlaps, o.samples = 0, 0, nil
}
