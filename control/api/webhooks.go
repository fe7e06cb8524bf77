package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/webhook"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas"
)

// createError is one failed item of a batch create; result is what the
// endpoint answered when validating it refused the save.
type createError struct {
	Index  int          `json:"index"`
	Error  *apiError    `json:"error"`
	Result *probeResult `json:"result,omitempty"`
}

// createParams: validate=true sends the sample first and saves only after
// a 2xx (Atlan's Validate before Save).
var createParams = []string{"validate"}

// createItem is a webhook to create; Validate, when given, overrides the
// validate parameter for this one.
type createItem struct {
	webhook.Spec
	Validate *bool `json:"validate"`
}

func (it createItem) validates(byDefault bool) bool {
	if it.Validate != nil {
		return *it.Validate
	}
	return byDefault
}

func (s *Server) createWebhooks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	validate, err := boolParam(r.URL.Query(), "validate", false)
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) == nil && probe["webhooks"] != nil {
		return s.createMany(w, r, p, body, validate)
	}
	var it createItem
	if err := decodeStrict(body, &it); err != nil {
		return err
	}
	v, err := s.create(r, p, it.Spec, it.validates(validate))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// createMany is Immuta's batch form: {"webhooks":[…]} answers
// {"createdWebhooks":[…],"errors":[…]}; a bad item does not stop the others.
func (s *Server) createMany(w http.ResponseWriter, r *http.Request, p auth.Principal, body []byte, validate bool) error {
	var batch struct {
		Webhooks []json.RawMessage `json:"webhooks"`
	}
	if err := decodeStrict(body, &batch); err != nil {
		return err
	}
	if len(batch.Webhooks) == 0 || len(batch.Webhooks) > 100 {
		return badRequest("invalid_field", "webhooks", "webhooks must hold 1 to 100 items")
	}
	out := struct {
		Created []webhook.View `json:"createdWebhooks"`
		Errors  []createError  `json:"errors"`
	}{Created: []webhook.View{}, Errors: []createError{}}
	for i, raw := range batch.Webhooks {
		var it createItem
		err := decodeStrict(raw, &it)
		var v webhook.View
		if err == nil {
			v, err = s.create(r, p, it.Spec, it.validates(validate))
		}
		if err != nil {
			ae, ok := err.(*apiError)
			if !ok {
				return err
			}
			ce := createError{Index: i, Error: ae, Result: ae.result}
			if ae.Field != "" {
				ce.Error = &apiError{Status: ae.Status, Code: ae.Code, Message: ae.Message, Field: fmt.Sprintf("webhooks[%d].%s", i, ae.Field)}
			}
			out.Errors = append(out.Errors, ce)
			continue
		}
		out.Created = append(out.Created, v)
	}
	status := http.StatusCreated
	if len(out.Created) == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, out)
	return nil
}

// create checks sp, seals a secret and writes the webhook, when validate
// says so only after its endpoint answered the sample with a 2xx; the view
// it returns is the only one that carries the secret.
func (s *Server) create(r *http.Request, p auth.Principal, sp webhook.Spec, validate bool) (webhook.View, error) {
	if fe := s.rules.Normalize(&sp); fe != nil {
		return webhook.View{}, invalid(fe)
	}
	if sp.Owner == "" {
		sp.Owner = p.User
	}
	if err := scope(p, &sp); err != nil {
		return webhook.View{}, err
	}
	plain := sp.Secret
	if plain == "" {
		var err error
		if plain, err = secret.Generate(); err != nil {
			return webhook.View{}, err
		}
	}
	sealed, err := s.sealer.Seal(plain)
	if err != nil {
		return webhook.View{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	sub := schemas.Subscription{ID: newID("wh_"), EncryptedSecret: sealed, CreatedAt: now, UpdatedAt: now, CreatedBy: p.User}
	if err := s.apply(sp, &sub); err != nil {
		return webhook.View{}, err
	}
	if validate {
		if err := s.validateBeforeSave(r, sub.ID, sp, plain); err != nil {
			return webhook.View{}, err
		}
	}
	if err := s.putSubscription(r.Context(), &sub); err != nil {
		return webhook.View{}, err
	}
	s.log.Info("webhook created", "id", sub.ID, "by", p.User, "url_host", hostOf(sub.URL))
	v := webhook.ViewOf(subscription.Webhook{Subscription: sub})
	v.Secret = plain
	return v, nil
}

// apply writes sp onto sub, sealing the header values that are credentials.
func (s *Server) apply(sp webhook.Spec, sub *schemas.Subscription) error {
	sp.Apply(sub)
	fe, err := webhook.StoreHeaders(sub, sp.Headers, s.sealer)
	if fe != nil {
		return invalid(fe)
	}
	return err
}

// Who may do what (docs/operations.md, "Threat model"): admins read and
// manage every webhook. A user reads the webhooks they own, global ones an
// admin made for them included, and manages only their own personal ones;
// a global webhook is managed by admins alone. Another user's webhook is a
// 404 to a user, as if it did not exist; a global webhook its owner may
// read but not change is a 403.

// errGlobalAdminsOnly answers a user acting on a global webhook they own.
var errGlobalAdminsOnly = forbidden("global", "only admins manage global webhooks; its owner may read it")

// scope keeps users to their own, personal webhooks, then settles global
// by p's role where the spec leaves it out (an admin's webhook is global,
// a user's personal) and checks actionType against it. A user asking for
// global is refused, not quietly made personal.
func scope(p auth.Principal, sp *webhook.Spec) error {
	if !p.IsAdmin() {
		if sp.Owner != p.User {
			return forbidden("owner", "only admins create or move webhooks for another user")
		}
		if sp.Global != nil && *sp.Global {
			return errGlobalAdminsOnly
		}
	}
	if fe := sp.Scope(p.IsAdmin()); fe != nil {
		return invalid(fe)
	}
	return nil
}

// readable reports whether p may read w.
func readable(p auth.Principal, w subscription.Webhook) bool {
	return p.IsAdmin() || w.Owner == p.User
}

// manageable reports whether p may change w or act on it (send to it,
// replay, retry, redrive).
func manageable(p auth.Principal, w subscription.Webhook) bool {
	return p.IsAdmin() || (w.Owner == p.User && !w.Global)
}

// visibleID is readable for a webhook id; ids of deleted webhooks are
// visible to admins only.
func (s *Server) visibleID(p auth.Principal) func(string) bool {
	if p.IsAdmin() {
		return nil
	}
	return func(id string) bool {
		w, ok := s.table.Get(id)
		return ok && readable(p, w)
	}
}

// lookup returns a webhook the principal may read; another user's is a
// 404, as if it did not exist.
func (s *Server) lookup(p auth.Principal, id string) (subscription.Webhook, error) {
	w, ok := s.table.Get(id)
	if !ok || !readable(p, w) {
		return subscription.Webhook{}, notFound("webhook " + id)
	}
	return w, nil
}

// lookupToManage returns a webhook the principal may change or act on.
func (s *Server) lookupToManage(p auth.Principal, id string) (subscription.Webhook, error) {
	w, err := s.lookup(p, id)
	if err != nil {
		return w, err
	}
	if !manageable(p, w) {
		return subscription.Webhook{}, errGlobalAdminsOnly
	}
	return w, nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	wh, err := s.lookup(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhook.ViewOf(wh))
	return nil
}

func (s *Server) patchWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	kind, err := webhook.PatchKind(r.Header.Get("Content-Type"), body)
	if err != nil {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: err.Error()}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	wh, err := s.lookupToManage(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	doc, err := webhook.Patch(wh.Subscription, kind, body)
	var fe *webhook.FieldError
	if errors.As(err, &fe) {
		return badRequest("invalid_patch", fe.Field, fe.Error())
	}
	if err != nil {
		return badRequest("invalid_patch", "", err.Error())
	}
	var sp webhook.Spec
	if err := decodeStrict(doc, &sp); err != nil {
		return err
	}
	if sp.Secret != "" {
		return badRequest("invalid_field", "secret", "secret cannot be patched; use POST /api/v1/webhooks/{id}/rotate-secret")
	}
	if fe := s.rules.Normalize(&sp); fe != nil {
		return invalid(fe)
	}
	if err := scope(p, &sp); err != nil {
		return err
	}
	sub := wh.Subscription
	if err := s.apply(sp, &sub); err != nil {
		return err
	}
	sub.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	if err := s.putSubscription(r.Context(), &sub); err != nil {
		return err
	}
	if err := s.reactivate(r, wh, sub); err != nil {
		return err
	}
	s.log.Info("webhook updated", "id", sub.ID, "by", p.User)
	updated, _ := s.table.Get(sub.ID)
	writeJSON(w, http.StatusOK, webhook.ViewOf(updated))
	return nil
}

// reactivate writes a fresh active status when a saved, enabled webhook had
// been set to failed or disabled by the deliverer: the owner saving it
// enabled is the signal it was fixed. Without it the old status, the newer
// record in the status topic, would keep the webhook from being sent to.
func (s *Server) reactivate(r *http.Request, old subscription.Webhook, sub schemas.Subscription) error {
	st := old.Health.Status
	if !sub.Enabled || (st != subscription.StatusFailed && st != subscription.StatusDisabled) {
		return nil
	}
	return s.putStatus(r.Context(), &schemas.SubscriptionStatus{
		WebhookID: sub.ID, Status: subscription.StatusActive, LastSuccessAt: old.Health.LastSuccessAt,
		LastFailureAt: old.Health.LastFailureAt, LastStatusCode: old.Health.LastStatusCode,
		LastFailureReason: old.Health.LastFailureReason, UpdatedAt: time.Now().UTC(),
	})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	wh, err := s.lookupToManage(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.deleteSubscription(r.Context(), wh.ID); err != nil {
		return err
	}
	s.log.Info("webhook deleted", "id", wh.ID, "by", p.User)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateSecret makes a new secret; the old one keeps signing, beside it,
// until the grace period ends, so receivers can switch without a gap.
func (s *Server) rotateSecret(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	wh, err := s.lookupToManage(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	plain, err := secret.Generate()
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal(plain)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	until := now.Add(s.cfg.SecretGrace)
	sub := wh.Subscription
	sub.PreviousEncryptedSecret, sub.PreviousSecretExpiresAt = sub.EncryptedSecret, &until
	sub.EncryptedSecret, sub.UpdatedAt = sealed, now
	if err := s.putSubscription(r.Context(), &sub); err != nil {
		return err
	}
	s.log.Info("webhook secret rotated", "id", sub.ID, "by", p.User, "previous_until", until)
	writeJSON(w, http.StatusOK, map[string]any{"id": sub.ID, "secret": plain, "previousSecretExpiresAt": until})
	return nil
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return prefix + hex.EncodeToString(b)
}
