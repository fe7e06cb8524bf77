package webhook

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hookstream/hookstream/outbound/send"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/schemas"
)

// Custom headers at rest and in views. A header whose value is a credential
// (send.Credential: every custom header but a few content negotiation and
// caching ones) is stored only sealed, in SealedHeaders, and every answer
// shows it as the placeholder send.Redacted. Writing the placeholder back
// keeps the stored value, so a client can PATCH or PUT back what it read.

// visibleHeaders are s's custom headers as a caller sees them: the hidden
// ones as the placeholder. A credential an older record holds in clear is
// hidden too.
func visibleHeaders(s schemas.Subscription) map[string]string {
	out := make(map[string]string, len(s.Headers)+len(s.SealedHeaders))
	for k, v := range s.Headers {
		if send.Credential(k) {
			v = send.Redacted
		}
		out[k] = v
	}
	for k := range s.SealedHeaders {
		out[k] = send.Redacted
	}
	return out
}

// hiddenHeader reports whether s holds a value for header name that callers
// see only as the placeholder.
func hiddenHeader(s schemas.Subscription, name string) bool {
	if _, ok := s.SealedHeaders[name]; ok {
		return true
	}
	_, ok := s.Headers[name]
	return ok && send.Credential(name)
}

// StoreHeaders sets s's custom headers to h, what a client wrote: values
// that are credentials are sealed, the others kept in clear, and a
// placeholder keeps the value s already holds under that name. A
// placeholder where s holds nothing is refused: it would send the
// placeholder itself as a credential.
func StoreHeaders(s *schemas.Subscription, h map[string]string, sealer *secret.Sealer) (*FieldError, error) {
	clear, sealed := map[string]string{}, map[string][]byte{}
	for _, name := range slices.Sorted(maps.Keys(h)) { // the first error is the same on every call
		v := h[name]
		if v == send.Redacted {
			if b, ok := s.SealedHeaders[name]; ok {
				sealed[name] = b
				continue
			}
			old, ok := s.Headers[name]
			if !ok || !send.Credential(name) {
				return fieldErr("headers."+name, "is %s, the placeholder of a hidden value, and this webhook holds no value for it to keep; give the value itself", send.Redacted), nil
			}
			v = old // an older record's credential in clear: seal it now
		}
		if !send.Credential(name) {
			clear[name] = v
			continue
		}
		b, err := sealer.Seal(v)
		if err != nil {
			return nil, fmt.Errorf("seal header %s: %w", name, err)
		}
		if b == nil {
			b = []byte{} // an empty value seals to nothing; keep the name
		}
		sealed[name] = b
	}
	s.Headers, s.SealedHeaders = clear, sealed
	return nil, nil
}

// hiddenPointer returns the header a JSON Pointer reaches into when that
// header's value is hidden in s: "/headers/Authorization" or below.
func hiddenPointer(s schemas.Subscription, ptr string) (string, bool) {
	rest, ok := strings.CutPrefix(ptr, "/headers/")
	if !ok {
		return "", false
	}
	tok, _, _ := strings.Cut(rest, "/")
	name := strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
	return name, hiddenHeader(s, name)
}
