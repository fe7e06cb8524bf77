package wire

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/schemas"
)

// TaskRecord is the record of t on topicName (the deliveries topic or a
// retry tier). Its key is the webhook id, so every task of one webhook is
// on one partition of every task topic, in the order it was written.
func TaskRecord(serde *schemas.Serde, topicName string, t *schemas.DeliveryTask, extra ...kgo.RecordHeader) (*kgo.Record, error) {
	b, err := serde.Encode(t)
	if err != nil {
		return nil, fmt.Errorf("encode task %s: %w", t.DeliveryID, err)
	}
	return &kgo.Record{Topic: topicName, Key: []byte(t.WebhookID), Value: b, Headers: TaskHeaders(t, extra...)}, nil
}

// TaskHeaders are the headers of t's record: its event type, its replay id
// when a replay made it, then extra.
func TaskHeaders(t *schemas.DeliveryTask, extra ...kgo.RecordHeader) []kgo.RecordHeader {
	h := make([]kgo.RecordHeader, 0, 2+len(extra))
	h = append(h, Header(HeaderEventType, t.EventType))
	if t.ReplayID != "" {
		h = append(h, Header(HeaderReplayID, t.ReplayID))
	}
	return append(h, extra...)
}
