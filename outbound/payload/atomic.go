package payload

import (
	"bytes"
	"encoding/json"

	"github.com/hookstream/hookstream/schemas"
)

// renderAtomic is Atomic's envelope, one shape for one event or many:
//
//	{"requestId": …, "webhookId": …, "isBatched": false, "data": {…}}
//	{"requestId": …, "webhookId": …, "isBatched": true,  "data": [{…}, …]}
//
// requestId is the request's webhook-id, stable across retries. isBatched
// follows the webhook's batchSize, so a batched webhook's request of one
// event still has an array as data. Each data item is the event as the
// producer wrote it, led by `id` (the delivery id: unique per event and
// webhook, unchanged across retries, which is what Atomic tells receivers
// to deduplicate on) and `analyticsEvent` (the event type, the field
// Atomic's receivers switch on). Atomic's environmentId has no counterpart
// in hookstream and is left out.
func renderAtomic(w Webhook, messageID string, tasks []schemas.DeliveryTask) ([]byte, error) {
	batched := w.batched(len(tasks))
	head, err := json.Marshal(struct {
		RequestID string `json:"requestId"`
		WebhookID string `json:"webhookId"`
		IsBatched bool   `json:"isBatched"`
	}{messageID, w.ID, batched})
	if err != nil {
		return nil, err
	}
	data, err := list(batched, tasks, func(buf *bytes.Buffer, t *schemas.DeliveryTask) error {
		lead, err := json.Marshal(struct {
			ID             string `json:"id"`
			AnalyticsEvent string `json:"analyticsEvent"`
		}{t.DeliveryID, t.EventType})
		if err != nil {
			return err
		}
		return splice(buf, lead[1:len(lead)-1], t)
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(head[:len(head)-1])
	buf.WriteString(`,"data":`)
	buf.Write(data)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
