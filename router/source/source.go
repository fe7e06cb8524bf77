// Package source turns a record of an event topic into an event ready to
// match, and a match into its first delivery task. The router's run loop
// and the control API's replay both use it, so a replayed task is the task
// the router would have made.
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

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

// Event is one source event ready to match and to copy into tasks.
type Event struct {
	ID    string
	Type  string
	JSON  string
	Time  time.Time
	Match match.Event
}

// Decode reads a record of either event topic; workflowTopic names the
// workflow one.
func Decode(ctx context.Context, serde *schemas.Serde, workflowTopic string, rec *kgo.Record) (Event, error) {
	var (
		d   Event
		v   any
		err error
	)
	if rec.Topic == workflowTopic {
		var e schemas.WorkflowCompletionEvent
		if err = serde.Decode(ctx, rec.Value, &e); err != nil {
			return d, err
		}
		d = Event{ID: e.EventID, Type: e.EventType(), Time: rec.Timestamp, Match: match.FromWorkflow(&e)}
		v = &e
	} else {
		var e schemas.MetadataChangeEvent
		if err = serde.Decode(ctx, rec.Value, &e); err != nil {
			return d, err
		}
		d = Event{ID: e.EventID, Type: e.EventType, Time: time.UnixMilli(e.Timestamp).UTC(), Match: match.FromMetadata(&e)}
		v = &e
	}
	switch {
	case d.ID == "":
		return d, fmt.Errorf("%w: eventId is empty", schemas.ErrMalformed)
	case len(d.ID) > schemas.MaxIDBytes:
		return d, fmt.Errorf("%w: eventId is %d bytes, more than %d", schemas.ErrMalformed, len(d.ID), schemas.MaxIDBytes)
	case len(d.Type) > schemas.MaxIDBytes:
		return d, fmt.Errorf("%w: eventType is %d bytes, more than %d", schemas.ErrMalformed, len(d.Type), schemas.MaxIDBytes)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return d, fmt.Errorf("%w: %v", schemas.ErrMalformed, err)
	}
	d.JSON = string(b)
	return d, nil
}

// NewTask is the first delivery task of one match of the event read from rec.
func NewTask(rec *kgo.Record, d *Event, webhookID string, now time.Time) schemas.DeliveryTask {
	return schemas.DeliveryTask{
		DeliveryID: DeliveryID(d.ID, webhookID), WebhookID: webhookID, EventID: d.ID, EventType: d.Type,
		Event: d.JSON, EventTime: d.Time, SourceTopic: rec.Topic, SourcePartition: rec.Partition, SourceOffset: rec.Offset,
		RoutedAt: now, Attempt: 1, NotBefore: now, OrderingKey: OrderingKey(rec.Key),
	}
}

// OrderingKey is the task's ordering key for a source record's key: the key
// itself, or, for one longer than schemas.MaxIDBytes or not UTF-8 (an Avro
// string must be, and a task that does not decode is rejected), its
// SHA-256, which tells the same keys apart as well and keeps every task
// record small and valid.
func OrderingKey(key []byte) string {
	if len(key) <= schemas.MaxIDBytes && utf8.Valid(key) {
		return string(key)
	}
	sum := sha256.Sum256(key)
	return "sha256:" + hex.EncodeToString(sum[:])
}
