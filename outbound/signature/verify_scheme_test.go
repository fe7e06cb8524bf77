package signature

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestVerifySchemeRoundTrip(t *testing.T) {
	body := []byte(vecBody)
	for _, scheme := range Schemes {
		t.Run(string(scheme), func(t *testing.T) {
			h, err := Headers(scheme, []string{vecSecret}, vecID, vecTime(), body)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyScheme(scheme, h, body, []string{vecSecret}, vecTime(), 0); err != nil {
				t.Fatalf("own headers rejected: %v", err)
			}
			if err := VerifyScheme(scheme, h, body, []string{prevSecret, vecSecret}, vecTime(), 0); err != nil {
				t.Fatalf("receiver holding both secrets rejects: %v", err)
			}
			if err := VerifyScheme(scheme, h, body, []string{prevSecret}, vecTime(), 0); !errors.Is(err, ErrNoMatch) {
				t.Fatalf("wrong secret: %v, want ErrNoMatch", err)
			}
			if err := VerifyScheme(scheme, http.Header{}, body, []string{vecSecret}, vecTime(), 0); err == nil {
				t.Fatal("no headers accepted")
			}
			if scheme == SecretHeader || scheme == Atlan {
				return // the secret itself does not depend on the body
			}
			if err := VerifyScheme(scheme, h, append([]byte(nil), `{"test": 1}`...), []string{vecSecret}, vecTime(), 0); !errors.Is(err, ErrNoMatch) {
				t.Fatalf("tampered body: %v, want ErrNoMatch", err)
			}
		})
	}
}

func TestVerifySchemeEdges(t *testing.T) {
	body := []byte(vecBody)
	sign := func(s Scheme) http.Header {
		h, err := Headers(s, []string{vecSecret}, vecID, vecTime(), body)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		h.Set(k, v)
		return h
	}
	sha256Sig := sign(HMACSHA256).Get(HeaderHookstreamSig)
	sha1Sig := sign(HMACSHA1).Get(HeaderHookstreamSig)
	tests := []struct {
		name   string
		scheme Scheme
		h      http.Header
		want   error // nil: accepted
	}{
		{"sha256 upper-case hex", HMACSHA256, with(http.Header{}, HeaderHookstreamSig, "sha256="+strings.ToUpper(sha256Sig[7:])), nil},
		{"sha256 without prefix", HMACSHA256, with(http.Header{}, HeaderHookstreamSig, sha256Sig[7:]), ErrNoMatch},
		{"sha256 bad hex", HMACSHA256, with(http.Header{}, HeaderHookstreamSig, "sha256=zz"), ErrNoMatch},
		{"sha256 header of the sha1 scheme", HMACSHA256, with(http.Header{}, HeaderHookstreamSig, sha1Sig), ErrNoMatch},
		{"sha1 header of the sha256 scheme", HMACSHA1, with(http.Header{}, HeaderHookstreamSig, sha256Sig), ErrNoMatch},
		{"sha1 truncated", HMACSHA1, with(http.Header{}, HeaderHookstreamSig, sha1Sig[:20]), ErrNoMatch},
		{"sha256 missing", HMACSHA256, http.Header{}, ErrMissingSignature},
		{"secret-header missing", SecretHeader, http.Header{}, ErrMissingSignature},
		{"secret-header prefix of the secret", SecretHeader, with(http.Header{}, HeaderSigningSecret, vecSecret[:10]), ErrNoMatch},
		{"standard too old", Standard, sign(Standard), ErrTooOld},
		{"openmetadata without prefix", OpenMetadata, with(http.Header{}, HeaderOpenMetadataSig, sign(OpenMetadata).Get(HeaderOpenMetadataSig)[7:]), ErrNoMatch},
		{"openmetadata in hookstream's header", OpenMetadata, with(http.Header{}, HeaderHookstreamSig, sha256Sig), ErrMissingSignature},
		{"atomic with a sha256= prefix", Atomic, with(http.Header{}, HeaderAtomicSig, "sha256="+sign(Atomic).Get(HeaderAtomicSig)), ErrNoMatch},
		{"immuta given the sha256 MAC", Immuta, with(http.Header{}, HeaderImmutaSig, sign(Atomic).Get(HeaderAtomicSig)), ErrNoMatch},
		{"atlan missing", Atlan, http.Header{}, ErrMissingSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := vecTime()
			if tc.scheme == Standard {
				now = now.Add(time.Hour)
			}
			err := VerifyScheme(tc.scheme, tc.h, body, []string{vecSecret}, now, 0)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("VerifyScheme = %v, want %v", err, tc.want)
			}
		})
	}
	if err := VerifyScheme("md5", sign(HMACSHA1), body, []string{vecSecret}, vecTime(), 0); err == nil {
		t.Error("unknown scheme accepted")
	}
	if err := VerifyScheme(SecretHeader, with(http.Header{}, HeaderSigningSecret, vecSecret), body, []string{""}, vecTime(), 0); err == nil {
		t.Error("empty receiver secret accepted")
	}
}
