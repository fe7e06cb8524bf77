package producer

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/schemas"
)

// HeaderEventType is the record header carrying the event type, so consumers
// and tools (kcat, the router's metrics) can see it without decoding Avro.
const HeaderEventType = wire.HeaderEventType

// encoder turns events into records. It is separate from the Kafka client so
// that the CPU cost of an event (prepare, validate, Avro) can be measured and
// tested without a broker.
type encoder struct {
	serde *schemas.Serde
	names topic.Names
	types catalogue
	now   func() time.Time
}

// metadataRecord prepares ev in place and returns its record, keyed by the
// entity id so that every change of one entity lands on one partition, in
// order.
func (e *encoder) metadataRecord(ev *schemas.MetadataChangeEvent) (*kgo.Record, error) {
	if err := e.types.prepareMetadata(ev, e.now()); err != nil {
		return nil, err
	}
	value, err := e.serde.Encode(ev)
	if err != nil {
		return nil, fmt.Errorf("encode metadata event %s: %w", ev.EventID, err)
	}
	return &kgo.Record{
		Topic:   e.names.MetadataChanges,
		Key:     []byte(ev.Entity.ID),
		Value:   value,
		Headers: []kgo.RecordHeader{{Key: HeaderEventType, Value: []byte(ev.EventType)}},
	}, nil
}

// workflowRecord is metadataRecord for workflow runs, keyed by workflow id so
// the runs of one workflow stay in order.
func (e *encoder) workflowRecord(ev *schemas.WorkflowCompletionEvent) (*kgo.Record, error) {
	if err := prepareWorkflow(ev); err != nil {
		return nil, err
	}
	value, err := e.serde.Encode(ev)
	if err != nil {
		return nil, fmt.Errorf("encode workflow event %s: %w", ev.EventID, err)
	}
	return &kgo.Record{
		Topic:   e.names.WorkflowCompletion,
		Key:     []byte(ev.WorkflowID),
		Value:   value,
		Headers: []kgo.RecordHeader{{Key: HeaderEventType, Value: []byte(ev.EventType())}},
	}, nil
}
