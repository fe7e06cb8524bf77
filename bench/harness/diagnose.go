package harness

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/schemas"
)

// Missing lists up to limit (event, webhook) pairs that never arrived.
func (h *Harness) Missing(limit int) [][2]string {
	var out [][2]string
	for _, ev := range h.Events.IDs() {
		if at, _ := h.Events.ProducedAt(ev); at.Before(h.measured) {
			continue // a warm-up event, forgotten by the receiver
		}
		for _, wh := range h.Webhooks {
			if !h.Receiver.Delivered(ev, wh) {
				out = append(out, [2]string{ev, wh})
				if len(out) == limit {
					return out
				}
			}
		}
	}
	return out
}

// Diagnose writes where each missing pair's tasks and attempts are in the
// stack's topics: the trail a lost delivery left, or the lack of one.
func (h *Harness) Diagnose(ctx context.Context, w io.Writer, missing [][2]string, tiers []time.Duration) error {
	if len(missing) == 0 {
		return nil
	}
	names := topic.NewNames(h.Stack.Prefix, tiers)
	reg, err := sr.NewClient(sr.URLs(h.Stack.RegistryURL))
	if err != nil {
		return err
	}
	serde := schemas.NewSerde(reg, schemas.MustLoad())
	want := map[[2]string]bool{}
	for _, m := range missing {
		want[m] = true
	}
	topics := []string{names.Deliveries, names.DeadLetters, names.Attempts}
	for _, t := range names.Tiers {
		topics = append(topics, t.Topic)
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(h.Stack.Brokers...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		return err
	}
	defer client.Close()
	ends, err := kadm.NewClient(client).ListEndOffsets(ctx, topics...)
	if err != nil {
		return err
	}
	left := map[string]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[fmt.Sprintf("%s/%d", o.Topic, o.Partition)] = o.Offset
		}
	})
	events, err := h.eventTrail(ctx, names, serde, missing)
	if err != nil {
		return err
	}
	for _, m := range missing {
		fmt.Fprintf(w, "missing event %s → webhook %s: event in topic: %v\n", m[0], m[1], events[m[0]])
	}
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for len(left) > 0 && rctx.Err() == nil {
		fs := client.PollFetches(rctx)
		fs.EachRecord(func(r *kgo.Record) {
			key := fmt.Sprintf("%s/%d", r.Topic, r.Partition)
			if r.Offset+1 >= left[key] {
				delete(left, key)
			}
			var ev, wh, what string
			switch r.Topic {
			case names.DeadLetters:
				var dl schemas.DeadLetter
				if serde.Decode(ctx, r.Value, &dl) != nil {
					return
				}
				ev, wh, what = dl.Task.EventID, dl.Task.WebhookID, "dead letter: "+dl.Reason
			case names.Attempts:
				var a schemas.DeliveryAttempt
				if serde.Decode(ctx, r.Value, &a) != nil {
					return
				}
				ev, wh, what = a.EventID, a.WebhookID, fmt.Sprintf("attempt %d %s status %d %s", a.Attempt, a.Outcome, a.StatusCode, a.Error)
			default:
				var t schemas.DeliveryTask
				if serde.Decode(ctx, r.Value, &t) != nil {
					return
				}
				ev, wh, what = t.EventID, t.WebhookID, fmt.Sprintf("task attempt %d notBefore %s", t.Attempt, t.NotBefore.Format(time.RFC3339Nano))
			}
			if want[[2]string{ev, wh}] {
				fmt.Fprintf(w, "  %s → %s: %s@%d/%d: %s\n", ev, wh, r.Topic, r.Partition, r.Offset, what)
			}
		})
	}
	return nil
}

// eventTrail reports, per missing event id, whether it is in the metadata
// topic.
func (h *Harness) eventTrail(ctx context.Context, names topic.Names, serde *schemas.Serde, missing [][2]string) (map[string]bool, error) {
	found := map[string]bool{}
	for _, m := range missing {
		found[m[0]] = false
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(h.Stack.Brokers...), kgo.ConsumeTopics(names.MetadataChanges),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	ends, err := kadm.NewClient(client).ListEndOffsets(ctx, names.MetadataChanges)
	if err != nil {
		return nil, err
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for read := int64(0); read < total && rctx.Err() == nil; {
		fs := client.PollFetches(rctx)
		fs.EachRecord(func(r *kgo.Record) {
			read++
			var ev schemas.MetadataChangeEvent
			if serde.Decode(ctx, r.Value, &ev) == nil {
				if _, ok := found[ev.EventID]; ok {
					found[ev.EventID] = true
				}
			}
		})
	}
	return found, nil
}
