package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/webhook"
	"github.com/hookstream/hookstream/outbound/credential"
	"github.com/hookstream/hookstream/outbound/payload"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

// probeResult is what test and validate answer: what the endpoint said to
// a sample payload sent now, through the deliverer's guard and sender.
type probeResult struct {
	Success         bool              `json:"success"`
	StatusCode      int               `json:"statusCode"`
	LatencyMs       int64             `json:"latencyMs"`
	ResponseSnippet string            `json:"responseSnippet"`
	Error           string            `json:"error,omitempty"`
	EventType       string            `json:"eventType"`
	RequestHeaders  map[string]string `json:"requestHeaders"`
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	wh, err := s.lookupToManage(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	cred, err := credential.Open(s.sealer, &wh.Subscription, time.Now())
	if err != nil {
		return err
	}
	sp := webhook.SpecOf(wh.Subscription)
	sp.Headers = cred.Headers
	res, err := s.probe(r, wh.ID, sp, cred.Secrets)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// validateEndpoint is Atlan's Validate button: a sample payload to a URL
// not saved yet; anything but a 2xx fails the validation.
func (s *Server) validateEndpoint(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var sp webhook.Spec
	if err := decodeStrict(body, &sp); err != nil {
		return err
	}
	if sp.Name == "" {
		sp.Name = "validate"
	}
	if fe := s.rules.Normalize(&sp); fe != nil {
		return invalid(fe)
	}
	var secrets []string
	if sp.Secret != "" {
		secrets = []string{sp.Secret}
	}
	res, err := s.probe(r, "wh_validate", sp, secrets)
	if err != nil {
		return err
	}
	if !res.Success {
		return refused(res)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// validateBeforeSave is Atlan's Validate before Save: the sample goes to
// the endpoint of webhook id, about to be created, signed with its secret;
// anything but a 2xx refuses the save.
func (s *Server) validateBeforeSave(r *http.Request, id string, sp webhook.Spec, secret string) error {
	res, err := s.probe(r, id, sp, []string{secret})
	if err != nil {
		return err
	}
	if !res.Success {
		return refused(res)
	}
	return nil
}

// refused is the 422 of a failed validation: the error says what the
// endpoint answered, and the whole answer goes beside it.
func refused(res probeResult) *apiError {
	msg := "the endpoint did not answer with a 2xx"
	if res.StatusCode != 0 {
		msg += fmt.Sprintf(": it answered %d", res.StatusCode)
		if res.ResponseSnippet != "" {
			msg += fmt.Sprintf(" %q", res.ResponseSnippet)
		}
	}
	if res.Error != "" {
		msg += ": " + res.Error
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Field: "url", Message: msg, result: &res}
}

// probe sends a sample payload: the one place test, validate and validate
// before save send from, so the platform settings hold for all of them.
func (s *Server) probe(r *http.Request, id string, sp webhook.Spec, secrets []string) (probeResult, error) {
	if err := s.probeAllowed(); err != nil {
		return probeResult{}, err
	}
	task := sampleTask(id, sp.EventTypes)
	body, err := payload.Render(payload.Webhook{ID: id, Name: sp.Name, Format: sp.PayloadFormat, BatchSize: int(sp.BatchSize), Template: sp.Template}, task.DeliveryID, []schemas.DeliveryTask{task})
	if err != nil {
		return probeResult{}, err
	}
	res := s.sender.Send(r.Context(), send.Request{
		URL: sp.URL, Method: sp.Method, Headers: sp.Headers, Body: body,
		Timeout: s.cfg.Webhooks.CapTimeout(time.Duration(sp.TimeoutSeconds) * time.Second),
		Scheme:  signature.Scheme(sp.Signature), Secrets: secrets, MessageID: task.DeliveryID,
	})
	out := probeResult{
		Success: res.Err == nil && res.StatusCode >= 200 && res.StatusCode < 300, StatusCode: res.StatusCode,
		LatencyMs: res.Latency.Milliseconds(), ResponseSnippet: res.Snippet, EventType: task.EventType,
		RequestHeaders: map[string]string{},
	}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	for k, v := range res.RequestHeader {
		out.RequestHeaders[k] = strings.Join(v, ", ")
	}
	s.log.Info("sample payload sent", "webhook", id, "host", hostOf(sp.URL), "status", res.StatusCode, "err", out.Error)
	return out, nil
}

// sampleTask is a test delivery of the webhook's first concrete event type.
func sampleTask(webhookID string, types []string) schemas.DeliveryTask {
	eventType := "entityCreated"
	for _, t := range types {
		if t != catalog.All && t != catalog.AllAlias {
			eventType = t
			break
		}
	}
	now := time.Now().UTC()
	eventID := newID("evt_test_")
	var ev any = schemas.MetadataChangeEvent{
		EventID: eventID, EventType: eventType, Timestamp: now.UnixMilli(), Actor: "hookstream",
		Entity: schemas.Entity{
			ID: "sample-entity", Type: "table", Name: "orders", FullyQualifiedName: "sample.sales.public.orders",
			Description: "A sample entity sent by hookstream's test.", Owner: &schemas.Owner{Type: "user", Name: "hookstream"},
			Tags: []string{"PII.Sensitive"}, Domain: "sales", CustomMetadata: map[string]string{},
		},
	}
	if eventType == "workflowSucceeded" || eventType == "workflowFailed" {
		status := "succeeded"
		if eventType == "workflowFailed" {
			status = "failed"
		}
		ev = schemas.WorkflowCompletionEvent{
			EventID: eventID, Domain: "sample.example", StartTime: now.Add(-time.Minute).Format(time.RFC3339),
			EndTime: now.Format(time.RFC3339), RunTime: 60, WorkflowTemplate: "sample-template", PackageName: "sample-package",
			WorkflowID: "sample-workflow", RunID: "sample-run", WorkflowName: "sample workflow", Status: status,
			FailedSteps: []string{}, RunningSteps: []string{}, LastThreeRuns: []string{}, PotentialIssues: []string{},
		}
	}
	b, _ := json.Marshal(ev) // plain structs of strings and numbers always marshal
	return schemas.DeliveryTask{
		DeliveryID: newID("msg_test_"), WebhookID: webhookID, EventID: eventID, EventType: eventType,
		Event: string(b), EventTime: now, RoutedAt: now, Attempt: 1, NotBefore: now,
	}
}

// hostOf is what logs say of a URL: its host, never its path or query,
// which may carry tokens.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// probeAllowed refuses a sample payload when the platform sends no webhooks
// at all or has turned tests off.
func (s *Server) probeAllowed() error {
	switch {
	case !s.cfg.Webhooks.Enabled:
		return disabledBy("webhooks-enabled", "sending webhooks")
	case !s.cfg.Webhooks.TestsEnabled:
		return disabledBy("webhook-tests-enabled", "sending sample payloads (test and validate)")
	}
	return nil
}
