// Package signature signs webhook deliveries with the schemes of DESIGN §5
// (the four base schemes and the seed profiles openmetadata, immuta, atlan
// and atomic) and verifies them as a receiver would (Verify for Standard
// Webhooks, VerifyScheme for any scheme).
//
// It is kept apart from the sender so that the exact bytes a receiver must
// compute are pinned by test vectors (the published Standard Webhooks vector
// and golden files) and by a verifier no one on this project wrote, without a
// network or Kafka in the way. It also serves `hookstream receive`, which
// needs the verifiers and nothing else of the deliverer.
package signature

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // hmac-sha1 is what Immuta-style receivers check; the scheme is opt-in.
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookstream/hookstream/platform/secret"
)

// Scheme is a webhook's `signature` field.
type Scheme string

// The schemes of DESIGN §5. hmac-sha256, hmac-sha1 and secret-header are
// the seeds' constructions under hookstream's own header names; the seed
// profiles are the same constructions under the header names the seeds'
// documents give, so receivers written for those products work unchanged.
const (
	Standard     Scheme = "standard"
	HMACSHA256   Scheme = "hmac-sha256"
	HMACSHA1     Scheme = "hmac-sha1"
	SecretHeader Scheme = "secret-header"
	OpenMetadata Scheme = "openmetadata"
	Immuta       Scheme = "immuta"
	Atlan        Scheme = "atlan"
	Atomic       Scheme = "atomic"
)

// Schemes lists every scheme, in the order documentation and errors show.
var Schemes = []Scheme{Standard, HMACSHA256, HMACSHA1, SecretHeader, OpenMetadata, Immuta, Atlan, Atomic}

// Header names. Standard Webhooks names are lower case in the specification;
// http.Header canonicalises them on the wire, and receivers match them
// case-insensitively, so the canonical form is used for map access.
const (
	HeaderID            = "Webhook-Id"
	HeaderTimestamp     = "Webhook-Timestamp"
	HeaderSignature     = "Webhook-Signature"
	HeaderHookstreamSig = "X-Hookstream-Signature"
	HeaderSigningSecret = "X-Hookstream-Signing-Secret"
	// The seed profiles' headers, as the seeds' documents name them
	// (X-OpenMetadata-Signature, x-immuta-webhook-signature,
	// x-atlan-signing-secret), canonicalised. Atomic's document names no
	// header, so hookstream names one in Atomic's style.
	HeaderOpenMetadataSig = "X-Openmetadata-Signature"
	HeaderImmutaSig       = "X-Immuta-Webhook-Signature"
	HeaderAtlanSecret     = "X-Atlan-Signing-Secret"
	HeaderAtomicSig       = "X-Atomic-Signature"
	standardVersionPrefix = "v1,"
)

// DefaultTolerance is the Standard Webhooks recommendation: wide enough for
// clock skew and a slow network, narrow enough to make a replay short-lived.
const DefaultTolerance = 5 * time.Minute

// ParseScheme reads a webhook's `signature` field; empty means Standard
// because that is the default a webhook is created with.
func ParseScheme(s string) (Scheme, error) {
	if s == "" {
		return Standard, nil
	}
	for _, sc := range Schemes {
		if Scheme(s) == sc {
			return sc, nil
		}
	}
	return "", fmt.Errorf("unknown signature scheme %q (want %s)", s, SchemeList())
}

// SchemeList is Schemes as text for errors and flag help: "a, b or c".
func SchemeList() string {
	names := make([]string, len(Schemes))
	for i, sc := range Schemes {
		names[i] = string(sc)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Headers returns the headers that sign body under scheme.
//
// secrets[0] is the current secret; a second entry is the previous secret
// while a rotation's grace period lasts. Only Standard carries both, because
// its header is a list by specification; the other schemes' receivers compare
// one value, so a second value would make every one of them fail and they get
// the current secret only.
//
// msgID and ts are used by Standard only (the sender adds webhook-id to
// every other scheme itself). msgID must be the delivery id, unchanged
// across retries, because receivers use it to deduplicate.
//
// Every HMAC scheme but Standard is keyed with the secret's text as UTF-8,
// the whole whsec_… string included: the seeds' verifiers
// (hmac.new(secret_key.encode('utf-8'), …), createHmac(alg, secret)) take
// the secret as the string they were shown. Standard alone keys with
// secret.KeyBytes, as its specification says.
func Headers(scheme Scheme, secrets []string, msgID string, ts time.Time, body []byte) (http.Header, error) {
	h := http.Header{}
	if err := Sign(h, scheme, secrets, msgID, ts, body); err != nil {
		return nil, err
	}
	return h, nil
}

// Sign sets the headers of Headers in h, replacing any of the same name:
// the sender signs into the request's own headers instead of merging a
// second map into them.
func Sign(h http.Header, scheme Scheme, secrets []string, msgID string, ts time.Time, body []byte) error {
	if len(secrets) == 0 || secrets[0] == "" {
		return errors.New("signature: no secret")
	}
	switch scheme {
	case Standard, "":
		if msgID == "" {
			return errors.New("signature: standard scheme needs a message id")
		}
		unix := ts.Unix()
		// The timestamp and every signature (space separated) are one
		// string, and the three header values slices of one array:
		// every attempt is signed, and building each value apart cost
		// allocations that one string and one array save.
		buf := make([]byte, 0, len("-9223372036854775808")+len(secrets)*(len(standardVersionPrefix)+base64.StdEncoding.EncodedLen(sha256.Size)+1))
		buf = strconv.AppendInt(buf, unix, 10)
		tsEnd := len(buf)
		for _, s := range secrets {
			if s == "" {
				continue
			}
			if len(buf) > tsEnd {
				buf = append(buf, ' ')
			}
			buf = append(buf, standardVersionPrefix...)
			buf = base64.StdEncoding.AppendEncode(buf, standardMAC(secret.KeyBytes(s), msgID, unix, body))
		}
		both := string(buf)
		vals := [...]string{msgID, both[:tsEnd], both[tsEnd:]}
		v := vals[:] // the array escapes as the map's values: one allocation
		h[HeaderID], h[HeaderTimestamp], h[HeaderSignature] = v[0:1:1], v[1:2:2], v[2:3:3]
	case HMACSHA256:
		h[HeaderHookstreamSig] = []string{"sha256=" + hexMAC(sha256.New, secrets[0], body)}
	case HMACSHA1:
		h[HeaderHookstreamSig] = []string{hexMAC(sha1.New, secrets[0], body)}
	case SecretHeader:
		h[HeaderSigningSecret] = []string{secrets[0]}
	case OpenMetadata:
		h[HeaderOpenMetadataSig] = []string{"sha256=" + hexMAC(sha256.New, secrets[0], body)}
	case Immuta:
		h[HeaderImmutaSig] = []string{hexMAC(sha1.New, secrets[0], body)}
	case Atlan:
		h[HeaderAtlanSecret] = []string{secrets[0]}
	case Atomic:
		h[HeaderAtomicSig] = []string{hexMAC(sha256.New, secrets[0], body)}
	default:
		return fmt.Errorf("signature: unknown scheme %q", scheme)
	}
	return nil
}

// SecretBearing reports whether a header carries a secret outright, so the
// attempt log can leave it out (DESIGN §7: secrets never appear in history).
func SecretBearing(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case HeaderSigningSecret, HeaderAtlanSecret:
		return true
	}
	return false
}

// SenderHeaders are the headers a scheme may set, so a webhook's custom
// headers cannot override them.
func SenderHeaders() []string {
	return []string{
		HeaderID, HeaderTimestamp, HeaderSignature, HeaderHookstreamSig, HeaderSigningSecret,
		HeaderOpenMetadataSig, HeaderImmutaSig, HeaderAtlanSecret, HeaderAtomicSig,
	}
}

func standardMAC(key []byte, msgID string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	// "<msgID>.<unix>." in one write from one buffer of its size.
	b := make([]byte, 0, len(msgID)+len(".-9223372036854775808."))
	b = append(b, msgID...)
	b = append(b, '.')
	b = strconv.AppendInt(b, unix, 10)
	b = append(b, '.')
	m.Write(b)
	m.Write(body)
	return m.Sum(nil)
}

func hexMAC(h func() hash.Hash, secret string, body []byte) string {
	return hex.EncodeToString(mac(h, []byte(secret), body))
}

func mac(h func() hash.Hash, key, body []byte) []byte {
	m := hmac.New(h, key)
	m.Write(body)
	return m.Sum(nil)
}

// Verification errors; callers tell a stale replay from a forgery by them.
var (
	ErrMissingHeaders   = errors.New("signature: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrInvalidTimestamp = errors.New("signature: webhook-timestamp is not unix seconds")
	ErrTooOld           = errors.New("signature: message timestamp too old")
	ErrTooNew           = errors.New("signature: message timestamp too new")
	ErrNoMatch          = errors.New("signature: no matching signature")
)

// Verify checks Standard Webhooks headers against body with any of secrets
// (a receiver holds both during a rotation). tolerance bounds how far the
// timestamp may be from now, in either direction, so a captured request
// cannot be replayed later; zero means DefaultTolerance.
func Verify(h http.Header, body []byte, secrets []string, now time.Time, tolerance time.Duration) error {
	id, tsText, sigText := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigText == "" {
		return ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrInvalidTimestamp
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	// Compare in seconds: time.Unix of an extreme value overflows Duration
	// arithmetic, and a fuzzed header must not wrap around into "fresh".
	nowUnix, tol := now.Unix(), int64(tolerance/time.Second)
	if unix < nowUnix-tol {
		return ErrTooOld
	}
	if unix > nowUnix+tol {
		return ErrTooNew
	}
	given := ParseSignatures(sigText)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		want := standardMAC(secret.KeyBytes(s), id, unix, body)
		for _, g := range given {
			// hmac.Equal is constant-time so the comparison leaks no prefix.
			if hmac.Equal(g, want) {
				return nil
			}
		}
	}
	return ErrNoMatch
}

// ParseSignatures returns the decoded v1 signatures of a webhook-signature
// header. Entries of other versions or with bad base64 are skipped, not
// fatal, because the specification lets a sender add schemes a receiver does
// not know next to v1.
func ParseSignatures(v string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(v) {
		b64, ok := strings.CutPrefix(f, standardVersionPrefix)
		if !ok {
			continue
		}
		b, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil || len(b) != sha256.Size {
			continue
		}
		out = append(out, b)
	}
	return out
}
