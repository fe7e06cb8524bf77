package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/webhook"
	"github.com/hookstream/hookstream/outbound/payload"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

// PreviewSecret signs every preview: a fixed, published secret, so a
// preview shows the signature headers' shape and a receiver's verifier can
// be tried on them, while no webhook's secret ever leaves the store.
const PreviewSecret = "whsec_aG9va3N0cmVhbS1wcmV2aWV3LXBsYWNlaG9sZGVyISE="

// previewID is the webhook id a spec not saved yet previews under.
const previewID = "wh_preview"

// previewRequest names a webhook (a saved one by id, or a spec) and an
// event (one given whole, or the catalogue's sample of a type; neither:
// the sample of the webhook's first event type, as the test endpoint).
type previewRequest struct {
	ID        string          `json:"id"`
	Webhook   *webhook.Spec   `json:"webhook"`
	Event     json.RawMessage `json:"event"`
	EventType string          `json:"eventType"`
}

// previewResult is what would happen to the event: whether the router
// would route it to the webhook, and the request the deliverer would send.
type previewResult struct {
	Matches bool `json:"matches"`
	// FilterError is why the filter expression failed on this event (it
	// then does not match, as in the router).
	FilterError string `json:"filterError,omitempty"`
	EventType   string `json:"eventType"`
	// Event is the event as routed (DESIGN §4 layout).
	Event   json.RawMessage   `json:"event"`
	Request previewRequestOut `json:"request"`
	// RenderError is why the body does not render; the deliverer would
	// dead-letter the delivery with it.
	RenderError string `json:"renderError,omitempty"`
	Secret      string `json:"placeholderSecret"`
}

type previewRequestOut struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	// Body is the exact bytes sent (and signed), as a string.
	Body string `json:"body"`
}

func (s *Server) previewWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req previewRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	id, sp, err := s.previewSpec(p, req)
	if err != nil {
		return err
	}
	d, err := s.previewEvent(req, sp.EventTypes)
	if err != nil {
		return err
	}
	sub := schemas.Subscription{ID: id}
	sp.Apply(&sub)
	sub.Enabled = true // a disabled webhook previews what it would do enabled
	res := previewResult{EventType: d.Type, Event: json.RawMessage(d.JSON), Secret: PreviewSecret}
	programs := match.NewPrograms(s.rules.Expressions, func(e match.FilterError) { res.FilterError = e.Err.Error() })
	res.Matches = len(programs.Build([]subscription.Webhook{{Subscription: sub}}).Match(&d.Match, nil)) == 1

	task := schemas.DeliveryTask{
		DeliveryID: source.DeliveryID(d.ID, id), WebhookID: id, EventID: d.ID, EventType: d.Type,
		Event: d.JSON, EventTime: d.Time, Attempt: 1,
	}
	res.Request = previewRequestOut{Method: sp.Method, URL: sp.URL, Headers: map[string]string{}}
	rendered, err := payload.Render(payload.Webhook{ID: id, Name: sp.Name, Format: sp.PayloadFormat, BatchSize: int(sp.BatchSize), Template: sp.Template}, task.DeliveryID, []schemas.DeliveryTask{task})
	if err != nil {
		res.RenderError = err.Error()
		writeJSON(w, http.StatusOK, res)
		return nil
	}
	sent, header, err := s.sender.Prepare(send.Request{
		URL: sp.URL, Method: sp.Method, Headers: sp.Headers, Body: rendered,
		Scheme: signature.Scheme(sp.Signature), Secrets: []string{PreviewSecret}, MessageID: task.DeliveryID,
	})
	if err != nil {
		res.RenderError = err.Error()
		writeJSON(w, http.StatusOK, res)
		return nil
	}
	res.Request.Body = string(sent)
	for k, v := range header {
		// The placeholder secret is no secret; a custom header's value
		// may be one, and shows as the attempt log shows it.
		if send.Redact(k) && !signature.SecretBearing(k) {
			v = []string{send.Redacted}
		}
		res.Request.Headers[k] = strings.Join(v, ", ")
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// previewSpec is the webhook to preview, normalized as a save would; a
// saved one needs the right to manage it, a spec the right to create it.
func (s *Server) previewSpec(p auth.Principal, req previewRequest) (string, webhook.Spec, error) {
	switch {
	case req.ID != "" && req.Webhook != nil:
		return "", webhook.Spec{}, badRequest("invalid_field", "id", "give id or webhook, not both")
	case req.ID != "":
		wh, err := s.lookupToManage(p, req.ID)
		if err != nil {
			return "", webhook.Spec{}, err
		}
		return wh.ID, webhook.SpecOf(wh.Subscription), nil
	case req.Webhook == nil:
		return "", webhook.Spec{}, badRequest("invalid_field", "webhook", "give the webhook to preview: id (a saved one) or webhook (a spec)")
	}
	sp := *req.Webhook
	if fe := s.rules.Normalize(&sp); fe != nil {
		fe.Field = "webhook." + fe.Field
		return "", webhook.Spec{}, invalid(fe)
	}
	if sp.Owner == "" {
		sp.Owner = p.User
	}
	if err := scope(p, &sp); err != nil {
		return "", webhook.Spec{}, err
	}
	return previewID, sp, nil
}

// previewEvent is the event to preview, decoded as the router decodes it.
func (s *Server) previewEvent(req previewRequest, webhookTypes []string) (source.Event, error) {
	raw := []byte(req.Event)
	switch {
	case len(raw) > 0 && req.EventType != "":
		return source.Event{}, badRequest("invalid_field", "eventType", "give event or eventType, not both")
	case len(raw) == 0:
		types := webhookTypes
		if req.EventType != "" {
			if !s.rules.Catalog.Known(req.EventType) {
				return source.Event{}, badRequest("invalid_field", "eventType", "unknown event type "+req.EventType+" (see GET /api/v1/webhooks/actions)")
			}
			types = []string{req.EventType}
		}
		raw = []byte(sampleTask(previewID, types).Event)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return source.Event{}, badRequest("invalid_field", "event", "must be a JSON object: "+err.Error())
	}
	var d source.Event
	var v any
	if isWorkflow(probe, s.rules.Catalog) {
		var e schemas.WorkflowCompletionEvent
		if err := decodeEvent(raw, &e); err != nil {
			return d, err
		}
		d = source.Event{ID: e.EventID, Type: e.EventType(), Match: match.FromWorkflow(&e)}
		v = &e
	} else {
		var e schemas.MetadataChangeEvent
		if err := decodeEvent(raw, &e); err != nil {
			return d, err
		}
		d = source.Event{ID: e.EventID, Type: e.EventType, Match: match.FromMetadata(&e)}
		v = &e
	}
	if d.ID == "" {
		d.ID = "evt_preview"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return d, err
	}
	d.JSON = string(b)
	return d, nil
}

// isWorkflow tells the kinds apart as DESIGN §4 lays them out: a metadata
// event has an entity, a workflow event Atlan's fields and no eventType of
// its own (or a workflow one).
func isWorkflow(fields map[string]json.RawMessage, cat *catalog.Catalog) bool {
	if _, ok := fields["entity"]; ok {
		return false
	}
	var t string
	if json.Unmarshal(fields["eventType"], &t) == nil && t != "" {
		for _, wt := range cat.Types(catalog.Workflow) {
			if wt == t {
				return true
			}
		}
		return false
	}
	_, status := fields["status"]
	_, name := fields["workflowName"]
	return status || name
}

// decodeEvent decodes an event strictly, but for a workflow event's
// eventType, which the router derives from status.
func decodeEvent(raw []byte, v any) error {
	if _, ok := v.(*schemas.WorkflowCompletionEvent); ok {
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) == nil {
			delete(fields, "eventType")
			raw, _ = json.Marshal(fields)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid_field", "event", "does not fit the event schema (DESIGN §4): "+err.Error())
	}
	return nil
}
