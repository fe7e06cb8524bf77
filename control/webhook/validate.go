package webhook

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hookstream/hookstream/outbound/payload"
	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
	"github.com/hookstream/hookstream/schemas/expr"
)

// FieldError is a rule a spec broke, naming the field (JSON path with dots).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Limits of a spec.
const (
	MaxBatchSize = 100
	MaxAttempts  = 100
	maxNameLen   = 256
	maxTextLen   = 4096
	// MaxURLLen is the longest URL saved: what common servers and proxies
	// accept in a request line, and far above any real endpoint's.
	MaxURLLen = 2048
)

// Bounds of rateLimitPerSecond, 0 (no limit) aside. The tasks a
// rate-limited webhook has queued hold their partitions' commit marks while
// they wait, so a slower rate would have a restart deliver minutes to hours
// of other webhooks' tasks again; one a second is also the slowest
// documented receiver limit (Slack's incoming webhooks).
const (
	MinRateLimitPerSecond = 1
	MaxRateLimitPerSecond = 1e6
)

var (
	headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// Rules are what a spec is checked against.
type Rules struct {
	Catalog *catalog.Catalog
	// Guard refuses URLs the deliverer would refuse (scheme, allow-list,
	// literal private addresses), so a webhook that can never be sent to
	// is not saved.
	Guard *ssrf.Guard
	// RetryTiers are the deliverer's tier delays (--retry-tiers), which
	// bound maxAttempts.
	RetryTiers []time.Duration
	// Expressions compiles filter and template; nil, a new one per check.
	Expressions *expr.Compiler
	// MaxTimeout is --max-timeout, the longest timeoutSeconds; zero is
	// config.DefaultMaxTimeout.
	MaxTimeout time.Duration
}

// maxTimeoutSeconds is the largest timeoutSeconds r accepts.
func (r Rules) maxTimeoutSeconds() int32 {
	if r.MaxTimeout == 0 {
		return int32(config.DefaultMaxTimeout / time.Second)
	}
	return int32(r.MaxTimeout / time.Second)
}

// Normalize fills in defaults and checks every rule; the first broken one
// is returned.
func (r Rules) Normalize(sp *Spec) *FieldError {
	sp.Name = strings.TrimSpace(sp.Name)
	switch {
	case sp.Name == "":
		return fieldErr("name", "is required")
	case len(sp.Name) > maxNameLen:
		return fieldErr("name", "is longer than %d characters", maxNameLen)
	case len(sp.Description) > maxTextLen:
		return fieldErr("description", "is longer than %d characters", maxTextLen)
	}
	if err := r.checkURL(sp.URL); err != nil {
		return err
	}
	switch m := strings.ToUpper(sp.Method); m {
	case "":
		sp.Method = "POST"
	case "POST", "PUT":
		sp.Method = m
	default:
		return fieldErr("method", "must be POST or PUT, not %q", sp.Method)
	}
	if sp.Enabled == nil {
		t := true
		sp.Enabled = &t
	}
	if err := r.eventTypes(sp); err != nil {
		return err
	}
	if err := checkActionType(sp); err != nil {
		return err
	}
	if err := checkFilters(sp.Filters); err != nil {
		return err
	}
	sp.Filters = filtersNonNil(sp.Filters)
	if sp.PayloadFormat == "" {
		sp.PayloadFormat = payload.Generic
	}
	if !contains(payload.Formats, sp.PayloadFormat) {
		return fieldErr("payloadFormat", "must be one of %s", strings.Join(payload.Formats, ", "))
	}
	if err := r.checkExpressions(sp); err != nil {
		return err
	}
	if sp.Signature == "" {
		sp.Signature = string(signature.Standard)
	}
	if _, err := signature.ParseScheme(sp.Signature); err != nil {
		return fieldErr("signature", "must be %s", signature.SchemeList())
	}
	if err := checkHeaders(sp.Headers); err != nil {
		return err
	}
	sp.Headers = headersNonNil(sp.Headers)
	if err := checkNumbers(sp, r.maxTimeoutSeconds()); err != nil {
		return err
	}
	return r.checkMaxAttempts(sp.MaxAttempts)
}

func (r Rules) checkURL(raw string) *FieldError {
	if raw == "" {
		return fieldErr("url", "is required")
	}
	if len(raw) > MaxURLLen {
		return fieldErr("url", "is longer than %d bytes", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr("url", "must be an absolute http or https URL")
	}
	if u.User != nil {
		return fieldErr("url", "must not carry credentials; use headers (Authorization)")
	}
	if r.Guard != nil {
		if err := r.Guard.CheckURL(raw); err != nil {
			return fieldErr("url", "is not allowed: %v", err)
		}
	}
	return nil
}

func (r Rules) eventTypes(sp *Spec) *FieldError {
	field := "eventTypes"
	if len(sp.NotificationType) > 0 {
		if len(sp.EventTypes) > 0 {
			return fieldErr("notificationType", "give eventTypes or notificationType, not both")
		}
		sp.EventTypes, sp.NotificationType, field = sp.NotificationType, nil, "notificationType"
	}
	if len(sp.EventTypes) == 0 {
		sp.EventTypes = []string{catalog.All}
	}
	for i, t := range sp.EventTypes {
		if !r.Catalog.Known(t) {
			return fieldErr(fmt.Sprintf("%s[%d]", field, i), "unknown event type %q (see GET /api/v1/webhooks/actions)", t)
		}
	}
	return nil
}

// checkExpressions compiles and type-checks filter and template as the
// router and the deliverer will, so a bad one is refused with its position
// and reason instead of silently matching or rendering nothing.
func (r Rules) checkExpressions(sp *Spec) *FieldError {
	c := r.Expressions
	if c == nil && (sp.Filter != "" || sp.Template != "") {
		c = expr.MustCompiler()
	}
	if sp.Filter != "" {
		if _, err := c.Filter(sp.Filter); err != nil {
			return fieldErr("filter", "%v", err)
		}
	}
	switch {
	case sp.PayloadFormat == payload.Custom && sp.Template == "":
		return fieldErr("template", "is required with payloadFormat %q", payload.Custom)
	case sp.PayloadFormat != payload.Custom && sp.Template != "":
		return fieldErr("template", "applies to payloadFormat %q only", payload.Custom)
	case sp.Template != "":
		if _, err := c.Template(sp.Template); err != nil {
			return fieldErr("template", "%v", err)
		}
	}
	return nil
}

func checkFilters(f schemas.Filters) *FieldError {
	// In field order, so the same bad webhook always names the same field.
	for _, l := range []struct {
		name string
		list []string
	}{
		{"entityTypes", f.EntityTypes}, {"include", f.Include}, {"exclude", f.Exclude}, {"domains", f.Domains},
		{"tags", f.Tags}, {"workflowNames", f.WorkflowNames}, {"packageNames", f.PackageNames},
	} {
		for i, v := range l.list {
			if strings.TrimSpace(v) == "" {
				return fieldErr(fmt.Sprintf("filters.%s[%d]", l.name, i), "must not be empty")
			}
		}
	}
	return nil
}

func checkHeaders(h map[string]string) *FieldError {
	// In name order, so the same bad headers always name the same one.
	for _, name := range slices.Sorted(maps.Keys(h)) {
		v := h[name]
		field := "headers." + name
		switch {
		case !headerName.MatchString(name):
			return fieldErr(field, "is not a valid header name")
		case send.Reserved(name):
			return fieldErr(field, "is set by hookstream and cannot be overridden")
		case strings.ContainsAny(v, "\r\n\x00"):
			return fieldErr(field, "must not contain line breaks")
		case len(v) > maxTextLen:
			return fieldErr(field, "is longer than %d characters", maxTextLen)
		}
	}
	return nil
}

func checkNumbers(sp *Spec, maxTimeout int32) *FieldError {
	if sp.TimeoutSeconds == 0 {
		// Under a cap below the default, the cap is the default: a webhook
		// saved without the field must not be refused for it.
		sp.TimeoutSeconds = min(schemas.DefaultTimeoutSeconds, maxTimeout)
	}
	switch sp.Ordering {
	case "":
		sp.Ordering = schemas.OrderingEntity
	case schemas.OrderingEntity, schemas.OrderingEndpoint, schemas.OrderingNone:
	default:
		return fieldErr("ordering", "must be %s (the default), %s or %s", schemas.OrderingEntity, schemas.OrderingEndpoint, schemas.OrderingNone)
	}
	if sp.BatchSize == 0 {
		sp.BatchSize = 1
	}
	if sp.AutoDisableAfter == nil {
		n := int32(schemas.DefaultAutoDisableAfter)
		sp.AutoDisableAfter = &n
	}
	switch {
	case sp.TimeoutSeconds < 1:
		return fieldErr("timeoutSeconds", "must be at least 1")
	case sp.TimeoutSeconds > maxTimeout:
		return fieldErr("timeoutSeconds", "%d is above the platform's maximum timeout, --max-timeout %v", sp.TimeoutSeconds, time.Duration(maxTimeout)*time.Second)
	case sp.BatchSize < 1 || sp.BatchSize > MaxBatchSize:
		return fieldErr("batchSize", "must be between 1 and %d", MaxBatchSize)
	case sp.MaxAttempts < 0 || sp.MaxAttempts > MaxAttempts:
		return fieldErr("maxAttempts", "must be between 0 (retry tiers + 1) and %d", MaxAttempts)
	case sp.RateLimitPerSecond != 0 && !(sp.RateLimitPerSecond >= MinRateLimitPerSecond && sp.RateLimitPerSecond <= MaxRateLimitPerSecond):
		return fieldErr("rateLimitPerSecond", "must be 0 (unlimited) or between %d and %d requests a second", MinRateLimitPerSecond, int(MaxRateLimitPerSecond))
	case *sp.AutoDisableAfter < 0:
		return fieldErr("autoDisableAfter", "must be 0 (never) or more")
	case len(sp.Secret) > maxTextLen:
		return fieldErr("secret", "is longer than %d characters", maxTextLen)
	}
	if sp.Secret != "" {
		if err := secret.CheckChosen(sp.Secret); err != nil {
			return fieldErr("secret", "%v", err)
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
