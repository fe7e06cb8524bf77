// Package wire is what every component writes and reads beside the Avro
// values: the record keys and header names, and the builders of the records
// more than one component writes (delivery tasks, rejected records), so a
// task looks the same whether the router, a retry tier, a replay or the
// API's retry wrote it.
//
// Read wire.go (headers), then task.go and rejected.go.
package wire

import "github.com/twmb/franz-go/pkg/kgo"

// Header names. Headers repeat what the Avro value holds, for tools that
// read a topic without the schema (kcat, a dead-letter browser).
const (
	// HeaderEventType is on every event and task record: the event type.
	HeaderEventType = "eventType"
	// HeaderReplayID is on the tasks a replay produced.
	HeaderReplayID = "replayId"
	// HeaderLastError is on retry-tier tasks: why the last attempt failed.
	HeaderLastError = "lastError"
	// HeaderReason is on dead letters: why the task was given up.
	HeaderReason = "reason"
	// HeaderRedriven marks a redrive marker on the dead-letter topic; its
	// value is the time of the redrive.
	HeaderRedriven = "redriven"
)

// Header is one record header of a text value.
func Header(key, value string) kgo.RecordHeader {
	return kgo.RecordHeader{Key: key, Value: []byte(value)}
}
