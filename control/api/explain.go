package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/schemas"
)

// explainRequest carries one sample event, a metadata-change event (it has
// "entity") or a workflow-completion event, as the history shows it.
type explainRequest struct {
	Event json.RawMessage `json:"event"`
}

// explanation is one webhook's verdict on the sample.
type explanation struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	match.Verdict
}

// explainedEvent is what matching read of the sample.
type explainedEvent struct {
	Type       string `json:"type"`
	IsWorkflow bool   `json:"isWorkflow"`
	EntityType string `json:"entityType,omitempty"`
}

// explainWebhooks answers "why didn't it fire?": for every webhook the
// caller may read, whether the router would send it the sample and, if
// not, the rule that refused it (match.Explain, the router's own index).
func (s *Server) explainWebhooks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req explainRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	ev, err := sampleEvent(req.Event)
	if err != nil {
		return err
	}
	out := struct {
		Event    explainedEvent `json:"event"`
		Matched  int            `json:"matched"`
		Webhooks []explanation  `json:"webhooks"`
	}{Event: explainedEvent{Type: ev.Type, IsWorkflow: ev.IsWorkflow, EntityType: ev.EntityType}, Webhooks: []explanation{}}
	for _, wh := range s.webhooks() {
		if !readable(p, wh) {
			continue
		}
		v := match.Explain(wh, &ev)
		if v.Matched {
			out.Matched++
		}
		out.Webhooks = append(out.Webhooks, explanation{ID: wh.ID, Name: wh.Name, Status: wh.State(), Verdict: v})
	}
	slices.SortFunc(out.Webhooks, func(a, b explanation) int {
		if a.Matched != b.Matched {
			if a.Matched {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	writeJSON(w, http.StatusOK, out)
	return nil
}

// sampleEvent reads the sample as the router reads a decoded record.
func sampleEvent(raw json.RawMessage) (match.Event, error) {
	var probe map[string]json.RawMessage
	if len(bytes.TrimSpace(raw)) == 0 || json.Unmarshal(raw, &probe) != nil || probe == nil {
		return match.Event{}, badRequest("invalid_field", "event", "event must be a JSON object: a metadata-change or a workflow-completion event")
	}
	if _, ok := probe["entity"]; ok {
		var e schemas.MetadataChangeEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return match.Event{}, badRequest("invalid_field", "event", "event does not read as a metadata-change event: "+err.Error())
		}
		if e.EventType == "" {
			return match.Event{}, badRequest("invalid_field", "event.eventType", "event.eventType is required")
		}
		return match.FromMetadata(&e), nil
	}
	_, named := probe["workflowName"]
	_, packaged := probe["packageName"]
	if !named && !packaged {
		return match.Event{}, badRequest("invalid_field", "event", `event has neither "entity" (a metadata-change event) nor "workflowName" (a workflow-completion event)`)
	}
	var e schemas.WorkflowCompletionEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return match.Event{}, badRequest("invalid_field", "event", "event does not read as a workflow-completion event: "+err.Error())
	}
	return match.FromWorkflow(&e), nil
}
