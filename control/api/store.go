package api

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/schemas"
)

// readBackTimeout bounds how long a write waits to see itself in the table.
const readBackTimeout = 10 * time.Second

// putSubscription writes sub and returns once the table holds it, so the
// answer to the write and every later read agree.
func (s *Server) putSubscription(ctx context.Context, sub *schemas.Subscription) error {
	b, err := s.serde.Encode(sub)
	if err != nil {
		return fmt.Errorf("encode webhook %s: %w", sub.ID, err)
	}
	return s.writeAndWait(ctx, &kgo.Record{Topic: s.names.Subscriptions, Key: []byte(sub.ID), Value: b})
}

// deleteSubscription writes tombstones for the webhook and its status.
func (s *Server) deleteSubscription(ctx context.Context, id string) error {
	if err := s.writeAndWait(ctx, &kgo.Record{Topic: s.names.SubscriptionStatus, Key: []byte(id)}); err != nil {
		return err
	}
	return s.writeAndWait(ctx, &kgo.Record{Topic: s.names.Subscriptions, Key: []byte(id)})
}

// putStatus writes a webhook's status; the API does so only to re-activate
// a webhook the deliverer had set to failed or disabled.
func (s *Server) putStatus(ctx context.Context, st *schemas.SubscriptionStatus) error {
	b, err := s.serde.Encode(st)
	if err != nil {
		return fmt.Errorf("encode status of %s: %w", st.WebhookID, err)
	}
	return s.writeAndWait(ctx, &kgo.Record{Topic: s.names.SubscriptionStatus, Key: []byte(st.WebhookID), Value: b})
}

func (s *Server) writeAndWait(ctx context.Context, rec *kgo.Record) error {
	r, err := s.client.ProduceSync(ctx, rec).First()
	if err != nil {
		return fmt.Errorf("write %s %s: %w", rec.Topic, rec.Key, err)
	}
	wctx, cancel := context.WithTimeout(ctx, readBackTimeout)
	defer cancel()
	return s.follower.WaitApplied(wctx, r.Topic, r.Partition, r.Offset)
}

// enqueue produces tasks to the deliveries topic, keyed by webhook id.
func (s *Server) enqueue(ctx context.Context, tasks []schemas.DeliveryTask) error {
	recs := make([]*kgo.Record, 0, len(tasks))
	for i := range tasks {
		rec, err := wire.TaskRecord(s.serde, s.names.Deliveries, &tasks[i])
		if err != nil {
			return err
		}
		recs = append(recs, rec)
	}
	if err := s.client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("enqueue %d tasks: %w", len(recs), err)
	}
	return nil
}

// markRedriven writes a marker per dead letter id (after its task was
// enqueued: a crash between the two redrives it again rather than never).
func (s *Server) markRedriven(ctx context.Context, ids []string, at time.Time) error {
	recs := make([]*kgo.Record, 0, len(ids))
	for _, id := range ids {
		recs = append(recs, &kgo.Record{Topic: s.names.DeadLetters, Key: []byte(id), Timestamp: at,
			Headers: []kgo.RecordHeader{wire.Header(wire.HeaderRedriven, at.Format(time.RFC3339Nano))}})
	}
	if err := s.client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("mark %d dead letters redriven: %w", len(ids), err)
	}
	for _, id := range ids {
		s.deadLetters.MarkRedriven(id, at)
	}
	return nil
}
