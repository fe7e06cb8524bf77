package wire

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafka"
	"github.com/hookstream/hookstream/schemas"
)

// A rejected record keeps, on the rejected topic, a record a consumer could
// not decode, route or deliver: its origin (topic, partition, offset), the
// reason, and a copy of its key and value, cut when the whole would not fit
// the broker's record size limit. A rejected record that did not fit would
// fail to produce on every retry and stop the consumer that wrote it, which
// is the one thing rejecting must never do.

// Bounds of what a rejected record copies: a reason is one line for a
// person, and a key only names the record, so the room goes to the value.
const (
	MaxReasonBytes = 1 << 10
	MaxKeyBytes    = 1 << 10
)

// Rejected returns the record for topicName (the rejected topic) that keeps
// rec, which component could not use for reason. Its Kafka key is rec's key
// as copied. It always fits kafka.MaxRecordBatchBytes; an error means the
// RejectedRecord schema is not registered.
func Rejected(serde *schemas.Serde, topicName, component string, rec *kgo.Record, reason string, now time.Time) (*kgo.Record, error) {
	rr := schemas.RejectedRecord{
		Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Reason: Text(reason),
		Component: component, Key: rec.Key, Value: rec.Value, RejectedAt: now,
		KeySize: int64(len(rec.Key)), ValueSize: int64(len(rec.Value)),
	}
	if rr.Value == nil {
		rr.Value = []byte{}
	}
	out, err := encode(serde, topicName, &rr)
	if err != nil || kafka.Fits(out) {
		return out, err
	}
	// The key is copied twice (Kafka key and the Avro field); what is left
	// after it and the rest of the record is the value's.
	rr.Truncated = true
	rr.Key = rr.Key[:min(len(rr.Key), MaxKeyBytes)]
	value := rr.Value
	rr.Value = []byte{}
	if out, err = encode(serde, topicName, &rr); err != nil {
		return nil, err
	}
	// A byte more of value can widen its Avro length prefix; leave room for it.
	const lengthGrowth = 10
	room := max(kafka.MaxRecordBatchBytes-kafka.RecordBytes(out)-lengthGrowth, 0)
	rr.Value = value[:min(len(value), room)]
	if out, err = encode(serde, topicName, &rr); err != nil {
		return nil, err
	}
	if !kafka.Fits(out) {
		return nil, fmt.Errorf("rejected record of %d bytes over the limit after cutting", kafka.RecordBytes(out))
	}
	return out, nil
}

func encode(serde *schemas.Serde, topicName string, rr *schemas.RejectedRecord) (*kgo.Record, error) {
	b, err := serde.Encode(rr)
	if err != nil {
		return nil, fmt.Errorf("encode rejected record: %w", err)
	}
	return &kgo.Record{Topic: topicName, Key: rr.Key, Value: b}, nil
}

// Text makes s fit for a reason, a log field or a header: valid UTF-8 (each
// invalid byte sequence shown as U+FFFD) and at most MaxReasonBytes, cut on
// a rune boundary with "…" to say so.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= MaxReasonBytes {
		return s
	}
	const ellipsis = "…"
	cut := MaxReasonBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
