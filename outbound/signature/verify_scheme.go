package signature

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // hmac-sha1 is what Immuta-style receivers check; the scheme is opt-in.
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"time"
)

// ErrMissingSignature means the header a non-standard scheme signs with is
// absent; the error names the header.
var ErrMissingSignature = errors.New("signature: missing header")

// VerifyScheme checks h and body as a receiver of scheme would, with any of
// secrets (a receiver may hold the new and the previous one during a
// rotation). Standard is Verify, with now and tolerance; the other schemes
// carry no timestamp, so they ignore both and cannot reject a replay, which
// is why Standard is the default.
//
// The HMAC schemes are keyed with the secret's text, as Headers signs them;
// every comparison is constant-time.
func VerifyScheme(scheme Scheme, h http.Header, body []byte, secrets []string, now time.Time, tolerance time.Duration) error {
	switch scheme {
	case Standard, "":
		return Verify(h, body, secrets, now, tolerance)
	case HMACSHA256:
		return verifyPrefixedMAC(h, HeaderHookstreamSig, body, secrets)
	case OpenMetadata:
		return verifyPrefixedMAC(h, HeaderOpenMetadataSig, body, secrets)
	case HMACSHA1:
		return verifyBareMAC(sha1.New, h, HeaderHookstreamSig, body, secrets)
	case Immuta:
		return verifyBareMAC(sha1.New, h, HeaderImmutaSig, body, secrets)
	case Atomic:
		return verifyBareMAC(sha256.New, h, HeaderAtomicSig, body, secrets)
	case SecretHeader:
		return verifySecret(h, HeaderSigningSecret, secrets)
	case Atlan:
		return verifySecret(h, HeaderAtlanSecret, secrets)
	}
	return fmt.Errorf("signature: unknown scheme %q", scheme)
}

// verifyPrefixedMAC checks a "sha256=<hex>" header.
func verifyPrefixedMAC(h http.Header, name string, body []byte, secrets []string) error {
	v := h.Get(name)
	if v == "" {
		return fmt.Errorf("%w %s", ErrMissingSignature, name)
	}
	hexSig, ok := strings.CutPrefix(v, "sha256=")
	if !ok {
		return ErrNoMatch
	}
	return verifyHexMAC(sha256.New, hexSig, body, secrets)
}

// verifyBareMAC checks a header that is the hex MAC alone.
func verifyBareMAC(newHash func() hash.Hash, h http.Header, name string, body []byte, secrets []string) error {
	v := h.Get(name)
	if v == "" {
		return fmt.Errorf("%w %s", ErrMissingSignature, name)
	}
	return verifyHexMAC(newHash, v, body, secrets)
}

// verifySecret checks a header that carries the secret itself.
func verifySecret(h http.Header, name string, secrets []string) error {
	v := h.Get(name)
	if v == "" {
		return fmt.Errorf("%w %s", ErrMissingSignature, name)
	}
	for _, s := range secrets {
		if s != "" && hmac.Equal([]byte(v), []byte(s)) {
			return nil
		}
	}
	return ErrNoMatch
}

// verifyHexMAC compares a hex HMAC of body, in either letter case, with the
// one each secret gives.
func verifyHexMAC(newHash func() hash.Hash, hexSig string, body []byte, secrets []string) error {
	given, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrNoMatch
	}
	for _, s := range secrets {
		if s != "" && hmac.Equal(given, mac(newHash, []byte(s), body)) {
			return nil
		}
	}
	return ErrNoMatch
}
