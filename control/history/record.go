// Package history is the attempt history the API serves: a durable index
// of hookstream.attempts on local disk (pebble), kept current from the
// topic and checkpointed with the offsets it has applied, so a restart
// resumes where it stopped. The topic is the record: any replica can
// rebuild the index from it, and deleting the index directory only costs
// the time to read the topic again.
package history

import (
	"encoding/json"
	"time"

	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/schemas"
)

// Record is one attempt as the API shows it.
type Record struct {
	ID              string            `json:"id"`
	DeliveryID      string            `json:"deliveryId"`
	WebhookID       string            `json:"webhookId"`
	EventID         string            `json:"eventId"`
	EventType       string            `json:"eventType"`
	Attempt         int32             `json:"attempt"`
	Tier            string            `json:"tier"`
	Outcome         string            `json:"outcome"`
	Success         bool              `json:"success"`
	StatusCode      int32             `json:"statusCode"`
	LatencyMs       int64             `json:"latencyMs"`
	Error           string            `json:"error,omitempty"`
	RequestHeaders  map[string]string `json:"requestHeaders"`
	ResponseSnippet string            `json:"responseSnippet"`
	Event           json.RawMessage   `json:"event,omitempty"`
	// EventUnavailable says why a record that should show its event does
	// not (its task is no longer in the log, could not be read, or holds
	// an event that is not JSON).
	EventUnavailable string     `json:"eventUnavailable,omitempty"`
	NextAttemptAt    *time.Time `json:"nextAttemptAt,omitempty"`
	Timestamp        time.Time  `json:"timestamp"`
	// Task is where the attempted task's record is, when the attempt
	// pointed at it instead of carrying the event: the API reads Event from
	// there. Zero in records that carried their event.
	Task TaskRef `json:"-"`
}

// TaskRef is the place of a task record in the log.
type TaskRef struct {
	Topic     string
	Partition int32
	Offset    int64
}

// NeedsEvent reports whether r's event is still to be read from its task.
func (r *Record) NeedsEvent() bool { return r.Event == nil && r.Task.Topic != "" }

// Success is the outcome of an attempt that got a 2xx.
const Success = "success"

// FromAttempt converts a stored attempt. Request headers are redacted again
// by today's rule (send.Redact): a record written by an older deliverer,
// which hid fewer headers, shows no more than a new one.
func FromAttempt(a schemas.DeliveryAttempt) Record {
	r := Record{
		ID: a.AttemptID, DeliveryID: a.DeliveryID, WebhookID: a.WebhookID, EventID: a.EventID, EventType: a.EventType,
		Attempt: a.Attempt, Tier: a.Tier, Outcome: a.Outcome, Success: a.Outcome == Success, StatusCode: a.StatusCode,
		LatencyMs: a.LatencyMs, Error: a.Error, RequestHeaders: make(map[string]string, len(a.RequestHeaders)),
		ResponseSnippet: a.ResponseSnippet, NextAttemptAt: a.NextAttemptAt, Timestamp: a.Timestamp.UTC(),
	}
	for k, v := range a.RequestHeaders {
		if send.Redact(k) {
			v = send.Redacted
		}
		r.RequestHeaders[k] = v
	}
	// Not checked to be JSON here: decodeValue does, when it is read.
	if a.Event != "" {
		r.Event = json.RawMessage(a.Event)
	}
	if a.TaskTopic != "" {
		r.Task = TaskRef{Topic: a.TaskTopic, Partition: a.TaskPartition, Offset: a.TaskOffset}
	}
	return r
}
