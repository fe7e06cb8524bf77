package deliver

import (
	"sync"
	"time"

	"github.com/hookstream/hookstream/platform/subscription"
)

// How long a task of an unknown webhook waits for the subscription table,
// and the clock skew allowed between the router that wrote the task and
// this process.
const (
	lookupWait = 3 * time.Second
	lookupSkew = 2 * time.Second
)

// missingBook remembers when a webhook was last found missing after waiting
// for the table, so the tasks of a deleted webhook wait once, not each.
type missingBook struct {
	mu    sync.Mutex
	since map[string]time.Time
}

func newMissingBook() *missingBook { return &missingBook{since: map[string]time.Time{}} }

// lookup returns the webhook of j's task as the table has it now. A webhook
// the table does not know may be one created a moment ago whose record has
// not reached this process yet (the router saw it first): the lookup waits
// for the table before it calls the webhook deleted.
func (d *Deliverer) lookup(j *job) (subscription.Webhook, bool) {
	id := j.task.WebhookID
	if wh, ok := d.table.Get(id); ok {
		return wh, true
	}
	d.missing.mu.Lock()
	since, known := d.missing.since[id]
	d.missing.mu.Unlock()
	if known && j.produced.Add(lookupSkew).Before(since) {
		// Routed well before the webhook was found missing: the table had
		// every record written before then, so the webhook is gone.
		return subscription.Webhook{}, false
	}
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(lookupWait)
	defer deadline.Stop()
	for {
		select {
		case <-d.softCtx.Done():
			return subscription.Webhook{}, false
		case <-deadline.C:
			d.missing.mu.Lock()
			d.missing.since[id] = start
			d.missing.mu.Unlock()
			return subscription.Webhook{}, false
		case <-tick.C:
			if wh, ok := d.table.Get(id); ok {
				return wh, true
			}
		}
	}
}
