// Package webhook is the control API's view of a subscription: the JSON a
// client writes (Spec), the JSON it reads back (View), the rules a Spec must
// follow before anything is written, and PATCH in both RFC 6902 and RFC 7396
// form.
package webhook

import (
	"github.com/hookstream/hookstream/schemas"
)

// Spec is what a client may write: every field of DESIGN §5 that is not set
// by hookstream. Marshalled from a stored subscription it is the document a
// PATCH applies to, so every field is present (no omitempty) and a JSON
// Patch "replace" finds it.
type Spec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`
	// Method is POST (default) or PUT, as Atomic allows.
	Method string `json:"method"`
	// Enabled defaults to true; a pointer tells "false" from "not given".
	Enabled *bool  `json:"enabled"`
	Owner   string `json:"owner"`
	// Global defaults by role (Scope); a pointer tells "false" from "not
	// given". ActionType refines a personal webhook (Immuta).
	Global     *bool  `json:"global"`
	ActionType string `json:"actionType"`
	// EventTypes defaults to ["*"]. NotificationType is Immuta's name for
	// the same list, accepted on input only.
	EventTypes       []string        `json:"eventTypes"`
	NotificationType []string        `json:"notificationType,omitempty"`
	Filters          schemas.Filters `json:"filters"`
	// Filter is a CEL boolean expression over event, ANDed with Filters;
	// Template builds the body of payloadFormat custom (schemas/expr).
	Filter             string            `json:"filter"`
	PayloadFormat      string            `json:"payloadFormat"`
	Template           string            `json:"template"`
	Headers            map[string]string `json:"headers"`
	Signature          string            `json:"signature"`
	TimeoutSeconds     int32             `json:"timeoutSeconds"`
	BatchSize          int32             `json:"batchSize"`
	Ordering           string            `json:"ordering"`
	MaxAttempts        int32             `json:"maxAttempts"`
	RateLimitPerSecond float64           `json:"rateLimitPerSecond"`
	// AutoDisableAfter defaults to schemas.DefaultAutoDisableAfter; 0
	// means never, so a pointer tells it from "not given".
	AutoDisableAfter *int32 `json:"autoDisableAfter"`
	// Secret lets a client choose the signing secret on create (Immuta and
	// Atlan allow it); without it one is generated. Never read back.
	Secret string `json:"secret,omitempty"`
}

// SpecOf returns the writable part of a stored subscription as its caller
// may see it (hidden header values as the placeholder), with every list and
// map non-nil so JSON Patch paths into them resolve.
func SpecOf(s schemas.Subscription) Spec {
	enabled, global, autoDisable := s.Enabled, s.Global, s.AutoDisableAfter
	return Spec{
		Name: s.Name, Description: s.Description, URL: s.URL, Method: s.Method, Enabled: &enabled,
		Owner: s.Owner, Global: &global, ActionType: s.ActionType, EventTypes: nonNil(s.EventTypes), Filters: filtersNonNil(s.Filters),
		Filter: s.Filter, PayloadFormat: s.PayloadFormat, Template: s.Template, Headers: visibleHeaders(s), Signature: s.Signature,
		TimeoutSeconds: s.TimeoutSeconds, BatchSize: s.BatchSize, MaxAttempts: s.MaxAttempts, Ordering: s.EffectiveOrdering(),
		RateLimitPerSecond: s.RateLimitPerSecond, AutoDisableAfter: &autoDisable,
	}
}

// Apply copies the spec's fields onto s, leaving id, secrets, times and
// creator as they are, and the headers to StoreHeaders, which seals them.
func (sp Spec) Apply(s *schemas.Subscription) {
	s.Name, s.Description, s.URL, s.Method = sp.Name, sp.Description, sp.URL, sp.Method
	s.Enabled = sp.Enabled == nil || *sp.Enabled
	s.Owner, s.Global, s.ActionType = sp.Owner, sp.Global != nil && *sp.Global, sp.ActionType
	s.EventTypes, s.Filters = sp.EventTypes, sp.Filters
	s.Filter, s.PayloadFormat, s.Template, s.Signature = sp.Filter, sp.PayloadFormat, sp.Template, sp.Signature
	s.TimeoutSeconds, s.BatchSize, s.MaxAttempts = sp.TimeoutSeconds, sp.BatchSize, sp.MaxAttempts
	s.Ordering = sp.Ordering
	s.RateLimitPerSecond, s.AutoDisableAfter = sp.RateLimitPerSecond, schemas.DefaultAutoDisableAfter
	if sp.AutoDisableAfter != nil {
		s.AutoDisableAfter = *sp.AutoDisableAfter
	}
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func headersNonNil(h map[string]string) map[string]string {
	if h == nil {
		return map[string]string{}
	}
	return h
}

func filtersNonNil(f schemas.Filters) schemas.Filters {
	return schemas.Filters{
		EntityTypes: nonNil(f.EntityTypes), Include: nonNil(f.Include), Exclude: nonNil(f.Exclude),
		Domains: nonNil(f.Domains), Tags: nonNil(f.Tags), WorkflowNames: nonNil(f.WorkflowNames),
		PackageNames: nonNil(f.PackageNames),
	}
}
