package route

import (
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/router/source"
)

// task builds the delivery record of one match.
func (r *Router) task(rec *kgo.Record, d *source.Event, webhookID string, now time.Time) (*kgo.Record, error) {
	t := source.NewTask(rec, d, webhookID, now)
	return wire.TaskRecord(r.serde, r.names.Deliveries, &t)
}
