package kafka

import "github.com/twmb/franz-go/pkg/kgo"

// MaxRecordBatchBytes is the largest record batch a hookstream producer
// writes, and so the size limit of every record it produces. It is
// franz-go's default (Kafka's max.message.bytes of old), set explicitly in
// Options so that this one constant is the limit: it is below the broker's
// message.max.bytes default, so a record within it is never refused by a
// broker left at its defaults. A record over it fails at once with
// MessageTooLarge, on every retry: whatever a component produces must be
// checked with Fits first.
const MaxRecordBatchBytes = 1_000_012

// Framing of a batch holding one record, counted at its widest: the batch
// header, then the record's length, attributes, timestamp and offset
// deltas, key and value lengths and header count as varints; each header
// adds two varint lengths.
const (
	batchFraming  = 61
	recordFraming = 5 + 1 + 10 + 5 + 5 + 5 + 5
	headerFraming = 5 + 5
)

// RecordBytes is an upper bound of r's size in a batch of its own.
func RecordBytes(r *kgo.Record) int {
	n := batchFraming + recordFraming + len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += headerFraming + len(h.Key) + len(h.Value)
	}
	return n
}

// Fits reports whether r can be produced: it is within MaxRecordBatchBytes.
func Fits(r *kgo.Record) bool { return RecordBytes(r) <= MaxRecordBatchBytes }
