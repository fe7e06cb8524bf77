package integration

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

// TestFilterExpressionsAndCustomBodies: through the router and the
// deliverer, a webhook with a filter expression gets only the events it
// matches, a custom template's body arrives signed, and a template that
// fails on an event dead-letters that delivery at once, with the reason,
// without a request.
func TestFilterExpressionsAndCustomBodies(t *testing.T) {
	env := kafkatest.Start(t)
	piiRcv := newReceiver(t, func(string, int) int { return 200 })
	cardRcv := newReceiver(t, func(string, int) int { return 200 })
	brokenRcv := newReceiver(t, func(string, int) int { return 200 })

	pii, piiSecret := signedWebhook(t, "pii", piiRcv.srv.URL)
	pii.Filter = `event.entity.type == "table" && "PII.Sensitive" in event.entity.tags`
	pii.PayloadFormat, pii.Template = "custom", `{"text": event.entity.name + " changed", "hook": webhook.name, "fqn": event.entity.fullyQualifiedName}`
	piiRcv.secrets = []string{piiSecret}
	// Atomic's per-card subscription, on top of a fixed filter (AND).
	card, _ := signedWebhook(t, "card", cardRcv.srv.URL)
	card.Filters.EntityTypes = []string{"table", "topic"}
	card.Filter = `"cardTemplateId" in event.entity.customMetadata && event.entity.customMetadata["cardTemplateId"] == "1"`
	broken, _ := signedWebhook(t, "broken", brokenRcv.srv.URL)
	broken.Filter = `event.entity.id == "ent-` + evt(1) + `"`
	broken.PayloadFormat, broken.Template = "custom", `{"action": event.entity.customMetadata["actionFlowConfigId"]}`
	for _, w := range []schemas.Subscription{pii, card, broken} {
		putWebhook(t, env, w)
	}
	letters := collect[schemas.DeadLetter](t, env, env.Names.DeadLetters)
	attempts := collect[schemas.DeliveryAttempt](t, env, env.Names.Attempts)
	r := startRouter(t, env)
	kafkatest.WaitFor(t, 10*time.Second, "webhooks in the table", func() error { all, _ := r.Table().All(); return kafkatest.Equal(len(all), 3) })
	startDeliverer(t, delivererConfig(env))

	event := func(n int, entityType string, tags []string, meta map[string]string) *schemas.MetadataChangeEvent {
		e := metaEvent(evt(n), "entityCreated", entityType)
		e.Entity.Name, e.Entity.FullyQualifiedName, e.Entity.Tags, e.Entity.CustomMetadata = "orders", "db.sales.orders", tags, meta
		return e
	}
	produceValue(t, env, env.Names.MetadataChanges, "1", event(1, "table", []string{"PII.Sensitive"}, map[string]string{"cardTemplateId": "1"}))
	produceValue(t, env, env.Names.MetadataChanges, "2", event(2, "table", []string{"Tier.Tier1"}, map[string]string{"cardTemplateId": "2"}))
	produceValue(t, env, env.Names.MetadataChanges, "3", event(3, "topic", []string{"PII.Sensitive"}, map[string]string{"cardTemplateId": "1"}))
	produceValue(t, env, env.Names.MetadataChanges, "4", event(4, "dashboard", nil, map[string]string{"cardTemplateId": "1"}))

	kafkatest.WaitFor(t, 60*time.Second, "pii 1, card 2 and a dead letter", func() error {
		return errors.Join(kafkatest.Named("pii", kafkatest.Equal(piiRcv.count(), 1)), kafkatest.Named("card", kafkatest.Equal(cardRcv.count(), 2)),
			kafkatest.Named("dead letters", kafkatest.Equal(len(letters.snapshot()), 1)))
	})
	waitRouted(t, env)
	// Everything routed has been attempted once: one attempt per delivery.
	kafkatest.WaitFor(t, 30*time.Second, "every attempt recorded", func() error { return kafkatest.Equal(len(attempts.snapshot()), 4) })

	d := piiRcv.deliveries()[0]
	if string(d.body) != `{"fqn":"db.sales.orders","hook":"hook pii","text":"orders changed"}` || !d.signedOK || d.id != source.DeliveryID(evt(1), "pii") {
		t.Errorf("pii got %s (signed %v, id %s)", d.body, d.signedOK, d.id)
	}
	got := map[string]bool{}
	for _, d := range cardRcv.deliveries() {
		got[d.id] = true
		if !strings.Contains(string(d.body), `"cardTemplateId":"1"`) {
			t.Errorf("card got %s", d.body)
		}
	}
	if !got[source.DeliveryID(evt(1), "card")] || !got[source.DeliveryID(evt(3), "card")] {
		t.Errorf("card deliveries %v, want events 1 and 3 (4 is a dashboard)", got)
	}
	dl := letters.snapshot()[0]
	if dl.Task.WebhookID != "broken" || dl.Attempts != 1 || !strings.Contains(dl.Reason, "no such key: actionFlowConfigId") {
		t.Errorf("dead letter %+v", dl)
	}
	if n := brokenRcv.arrived(); n != 0 {
		t.Errorf("the broken template's endpoint got %d requests", n)
	}
}

func evt(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-0000000f%04d", n) }
