package webhook

import (
	"time"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// View is a webhook as the API returns it. It never carries the stored
// secret; Secret is set only in the answers to create and rotate-secret.
type View struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	URL                string            `json:"url"`
	Method             string            `json:"method"`
	Enabled            bool              `json:"enabled"`
	Status             string            `json:"status"`
	Owner              string            `json:"owner"`
	Global             bool              `json:"global"`
	ActionType         *string           `json:"actionType"` // null: both, as Immuta shows it
	EventTypes         []string          `json:"eventTypes"`
	Filters            schemas.Filters   `json:"filters"`
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
	AutoDisableAfter   int32             `json:"autoDisableAfter"`
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
	CreatedBy          string            `json:"createdBy"`
	// PreviousSecretExpiresAt is when the rotated-out secret stops signing.
	PreviousSecretExpiresAt *time.Time      `json:"previousSecretExpiresAt,omitempty"`
	FailureDetails          *FailureDetails `json:"failureDetails,omitempty"`
	Secret                  string          `json:"secret,omitempty"`
}

// FailureDetails is OpenMetadata's failureDetails, from the deliverer's
// last status record, plus the counters behind the auto-disable rule.
type FailureDetails struct {
	LastFailedAt         *time.Time `json:"lastFailedAt,omitempty"`
	LastFailedStatusCode int32      `json:"lastFailedStatusCode,omitempty"`
	LastFailedReason     string     `json:"lastFailedReason,omitempty"`
	NextAttempt          *time.Time `json:"nextAttempt,omitempty"`
	ConsecutiveFailures  int32      `json:"consecutiveFailures"`
	LastSuccessAt        *time.Time `json:"lastSuccessAt,omitempty"`
}

// ViewOf renders w; header values that are credentials show as the
// placeholder.
func ViewOf(w subscription.Webhook) View {
	s := w.Subscription
	v := View{
		ID: s.ID, Name: s.Name, Description: s.Description, URL: s.URL, Method: s.Method, Enabled: s.Enabled,
		Status: w.State(), Owner: s.Owner, Global: s.Global, EventTypes: nonNil(s.EventTypes),
		Filters: filtersNonNil(s.Filters), Filter: s.Filter, PayloadFormat: s.PayloadFormat, Template: s.Template, Headers: visibleHeaders(s), Signature: s.Signature,
		TimeoutSeconds: s.TimeoutSeconds, BatchSize: s.BatchSize, MaxAttempts: s.MaxAttempts, Ordering: s.EffectiveOrdering(),
		RateLimitPerSecond: s.RateLimitPerSecond, AutoDisableAfter: s.AutoDisableAfter,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), CreatedBy: s.CreatedBy,
	}
	if s.ActionType != "" {
		v.ActionType = &s.ActionType
	}
	if s.PreviousSecretExpiresAt != nil && len(s.PreviousEncryptedSecret) > 0 && time.Now().Before(*s.PreviousSecretExpiresAt) {
		v.PreviousSecretExpiresAt = s.PreviousSecretExpiresAt
	}
	if h := w.Health; h.Status != "" {
		v.FailureDetails = &FailureDetails{
			LastFailedAt: h.LastFailureAt, LastFailedStatusCode: h.LastStatusCode, LastFailedReason: h.LastFailureReason,
			NextAttempt: h.NextAttemptAt, ConsecutiveFailures: h.ConsecutiveFailures, LastSuccessAt: h.LastSuccessAt,
		}
	}
	return v
}
