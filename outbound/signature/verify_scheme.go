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
// rotation). Standard is Verify, with now and tolerance; hmac-sha256,
// hmac-sha1 and secret-header carry no timestamp, so they ignore both and
// cannot reject a replay, which is why Standard is the default.
//
// The HMAC schemes are keyed with the secret's text, as Headers signs them;
// every comparison is constant-time.
func VerifyScheme(scheme Scheme, h http.Header, body []byte, secrets []string, now time.Time, tolerance time.Duration) error {
	switch scheme {
	case Standard, "":
		return Verify(h, body, secrets, now, tolerance)
	case HMACSHA256:
		v := h.Get(HeaderHookstreamSig)
		if v == "" {
			return fmt.Errorf("%w %s", ErrMissingSignature, HeaderHookstreamSig)
		}
		hexSig, ok := strings.CutPrefix(v, "sha256=")
		if !ok {
			return ErrNoMatch
		}
		return verifyHexMAC(sha256.New, hexSig, body, secrets)
	case HMACSHA1:
		v := h.Get(HeaderHookstreamSig)
		if v == "" {
			return fmt.Errorf("%w %s", ErrMissingSignature, HeaderHookstreamSig)
		}
		return verifyHexMAC(sha1.New, v, body, secrets)
	case SecretHeader:
		v := h.Get(HeaderSigningSecret)
		if v == "" {
			return fmt.Errorf("%w %s", ErrMissingSignature, HeaderSigningSecret)
		}
		for _, s := range secrets {
			if s != "" && hmac.Equal([]byte(v), []byte(s)) {
				return nil
			}
		}
		return ErrNoMatch
	}
	return fmt.Errorf("signature: unknown scheme %q", scheme)
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
