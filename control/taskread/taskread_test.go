package taskread

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/schemas"
)

// TestRead reads tasks back by place, on kfake or (HOOKSTREAM_TEST_KAFKA=
// real) a real broker: from the deliveries and a tier topic at once, places
// out of order and repeated, and says which are gone: removed by retention
// (DeleteRecords stands in for it) or in a topic that does not exist.
func TestRead(t *testing.T) {
	env := kafkatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tier := env.Names.Tiers[0].Topic
	var places []Place
	events := map[Place]string{}
	for i := range 40 {
		top := env.Names.Deliveries
		if i%4 == 3 {
			top = tier
		}
		task := schemas.DeliveryTask{
			DeliveryID: fmt.Sprintf("msg_%d", i), WebhookID: "wh_1", EventID: fmt.Sprintf("ev_%d", i), EventType: "entityCreated",
			Event: fmt.Sprintf(`{"eventId":"ev_%d"}`, i), EventTime: time.UnixMilli(1), RoutedAt: time.UnixMilli(1), Attempt: 1, NotBefore: time.UnixMilli(1),
		}
		v, err := env.Serde.Encode(&task)
		if err != nil {
			t.Fatal(err)
		}
		// One key: every record of a topic in one partition, as a
		// webhook's tasks are.
		r, err := env.Admin.ProduceSync(ctx, &kgo.Record{Topic: top, Key: []byte("wh_1"), Value: v}).First()
		if err != nil {
			t.Fatal(err)
		}
		p := Place{r.Topic, r.Partition, r.Offset}
		places = append(places, p)
		events[p] = task.Event
	}
	// Retention took the first five of the deliveries partition.
	first := places[0]
	adm := kadm.NewClient(env.Admin)
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: first.Topic, Partition: first.Partition, At: first.Offset + 5})
	if _, err := adm.DeleteRecords(ctx, offs); err != nil {
		t.Fatal(err)
	}
	gone := map[Place]bool{{Topic: env.Names.Prefix + "no-such-topic", Partition: 0, Offset: 3}: true}
	for _, p := range places {
		if p.Topic == first.Topic && p.Partition == first.Partition && p.Offset < first.Offset+5 {
			gone[p] = true
		}
	}
	ask := []Place{}
	for i := len(places) - 1; i >= 0; i-- { // newest first, as a history page
		ask = append(ask, places[i])
	}
	ask = append(ask, places[10], places[11])
	for p := range gone {
		ask = append(ask, p)
	}

	got := New(env.Admin, env.Serde).Read(ctx, ask)
	for _, p := range ask {
		res, ok := got[p]
		switch {
		case !ok:
			t.Errorf("%s: no result", p)
		case gone[p]:
			if !errors.Is(res.Err, ErrGone) {
				t.Errorf("%s: %v, want gone", p, res.Err)
			}
		case res.Err != nil:
			t.Errorf("%s: %v", p, res.Err)
		case res.Task.Event != events[p]:
			t.Errorf("%s: event %q, want %q", p, res.Task.Event, events[p])
		}
	}
	if len(got) != len(places)+1 {
		t.Errorf("%d results for %d distinct places", len(got), len(places)+1)
	}
}
