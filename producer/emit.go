package producer

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/schemas"
)

// EmitMetadata validates ev, fills its eventId and timestamp when missing (in
// place), and returns once the brokers have acknowledged it. A *ValidationError
// means the event will never be accepted; any other error is the encoding's
// or the cluster's.
func (c *Client) EmitMetadata(ctx context.Context, ev *schemas.MetadataChangeEvent) error {
	rec, err := c.enc.metadataRecord(ev)
	if err != nil {
		return err
	}
	return c.kc.ProduceSync(ctx, rec).FirstErr()
}

// EmitWorkflow is EmitMetadata for a workflow run; its eventType header is
// workflowSucceeded or workflowFailed, following status.
func (c *Client) EmitWorkflow(ctx context.Context, ev *schemas.WorkflowCompletionEvent) error {
	rec, err := c.enc.workflowRecord(ev)
	if err != nil {
		return err
	}
	return c.kc.ProduceSync(ctx, rec).FirstErr()
}

// EmitMetadataAsync is the batching form of EmitMetadata, for throughput:
// it returns once the event is buffered, and done (which may be nil) is
// called exactly once with the outcome, from the client's goroutine, so it
// must not block. An event that fails validation or encoding is not
// buffered: done is called with the error before EmitMetadataAsync returns
// the same error. Buffering blocks while the client's buffer is full, until
// ctx ends. Call Flush to wait for every outstanding event.
func (c *Client) EmitMetadataAsync(ctx context.Context, ev *schemas.MetadataChangeEvent, done func(error)) error {
	rec, err := c.enc.metadataRecord(ev)
	return c.produceAsync(ctx, rec, err, done)
}

// EmitWorkflowAsync is EmitMetadataAsync for a workflow run.
func (c *Client) EmitWorkflowAsync(ctx context.Context, ev *schemas.WorkflowCompletionEvent, done func(error)) error {
	rec, err := c.enc.workflowRecord(ev)
	return c.produceAsync(ctx, rec, err, done)
}

func (c *Client) produceAsync(ctx context.Context, rec *kgo.Record, err error, done func(error)) error {
	if done == nil {
		done = func(error) {}
	}
	if err != nil {
		done(err)
		return err
	}
	c.kc.Produce(ctx, rec, func(_ *kgo.Record, err error) { done(err) })
	return nil
}
