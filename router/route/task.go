package route

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/schemas"
)

// DeliveryID is derived from the event and the webhook only, so routing the
// same event again (a retried transaction, a replay) yields the same id, and
// the endpoint can use it as an idempotency key.
func DeliveryID(eventID, webhookID string) string {
	sum := sha256.Sum256([]byte(eventID + "\x00" + webhookID))
	return "msg_" + hex.EncodeToString(sum[:16])
}

// decoded is one event ready to match and to copy into tasks.
type decoded struct {
	id        string
	eventType string
	json      string
	time      time.Time
	match     match.Event
}

// decodeEvent reads an event record of either topic.
func (r *Router) decodeEvent(ctx context.Context, rec *kgo.Record) (decoded, error) {
	var (
		d   decoded
		v   any
		err error
	)
	if rec.Topic == r.names.WorkflowCompletion {
		var e schemas.WorkflowCompletionEvent
		if err = r.serde.Decode(ctx, rec.Value, &e); err != nil {
			return d, err
		}
		d = decoded{id: e.EventID, eventType: e.EventType(), time: rec.Timestamp, match: match.FromWorkflow(&e)}
		v = &e
	} else {
		var e schemas.MetadataChangeEvent
		if err = r.serde.Decode(ctx, rec.Value, &e); err != nil {
			return d, err
		}
		d = decoded{id: e.EventID, eventType: e.EventType, time: time.UnixMilli(e.Timestamp).UTC(), match: match.FromMetadata(&e)}
		v = &e
	}
	if d.id == "" {
		return d, fmt.Errorf("%w: eventId is empty", schemas.ErrMalformed)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return d, fmt.Errorf("%w: %v", schemas.ErrMalformed, err)
	}
	d.json = string(b)
	return d, nil
}

// task builds the delivery record of one match.
func (r *Router) task(rec *kgo.Record, d *decoded, webhookID string, now time.Time) (*kgo.Record, error) {
	t := schemas.DeliveryTask{
		DeliveryID: DeliveryID(d.id, webhookID), WebhookID: webhookID, EventID: d.id, EventType: d.eventType,
		Event: d.json, EventTime: d.time, SourceTopic: rec.Topic, SourcePartition: rec.Partition, SourceOffset: rec.Offset,
		RoutedAt: now, Attempt: 1, NotBefore: now,
	}
	b, err := r.serde.Encode(&t)
	if err != nil {
		return nil, fmt.Errorf("encode task %s: %w", t.DeliveryID, err)
	}
	return &kgo.Record{
		Topic: r.names.Deliveries, Key: []byte(webhookID), Value: b,
		Headers: []kgo.RecordHeader{{Key: "eventType", Value: []byte(d.eventType)}},
	}, nil
}

// rejected builds the record that keeps an undecodable event with its reason.
func (r *Router) rejected(rec *kgo.Record, reason error, now time.Time) (*kgo.Record, error) {
	rr := schemas.RejectedRecord{
		Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Reason: reason.Error(),
		Component: "router", Key: rec.Key, Value: rec.Value, RejectedAt: now,
	}
	if rr.Value == nil {
		rr.Value = []byte{}
	}
	b, err := r.serde.Encode(&rr)
	if err != nil {
		return nil, fmt.Errorf("encode rejected record: %w", err)
	}
	return &kgo.Record{Topic: r.names.Rejected, Key: rec.Key, Value: b}, nil
}
