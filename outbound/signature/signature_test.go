package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the hmac-sha1 scheme under test
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The published Standard Webhooks test vector (specification and every
// reference library use it), so our bytes match what receivers compute.
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTS     = 1614265330
	vecBody   = `{"test": 2432232314}`
	vecSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	// prevSecret plays the secret being rotated out.
	prevSecret = "whsec_dGhpcyBpcyB0aGUgcHJldmlvdXMgc2VjcmV0IGtleSE="
)

func vecTime() time.Time { return time.Unix(vecTS, 0) }

func TestStandardPublishedVector(t *testing.T) {
	h, err := Headers(Standard, []string{vecSecret}, vecID, vecTime(), []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("webhook-signature"); got != vecSig {
		t.Fatalf("signature = %q, want %q", got, vecSig)
	}
	if got := h.Get("webhook-id"); got != vecID {
		t.Fatalf("id = %q", got)
	}
	if got := h.Get("webhook-timestamp"); got != "1614265330" {
		t.Fatalf("timestamp = %q", got)
	}
	if err := Verify(h, []byte(vecBody), []string{vecSecret}, vecTime(), 0); err != nil {
		t.Fatalf("own verify: %v", err)
	}
}

func TestHeadersSchemes(t *testing.T) {
	body := []byte(vecBody)
	sha256Hex := func(key string) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write(body)
		return hex.EncodeToString(m.Sum(nil))
	}
	sha1Hex := func(key string) string {
		m := hmac.New(sha1.New, []byte(key))
		m.Write(body)
		return hex.EncodeToString(m.Sum(nil))
	}
	tests := []struct {
		name    string
		scheme  Scheme
		secrets []string
		want    map[string]string
		wantErr bool
	}{
		{"empty scheme is standard", "", []string{vecSecret}, map[string]string{HeaderSignature: vecSig}, false},
		{"standard rotation signs twice, current first", Standard, []string{vecSecret, prevSecret}, nil, false},
		{"hmac-sha256 over the body", HMACSHA256, []string{vecSecret}, map[string]string{HeaderHookstreamSig: "sha256=" + sha256Hex(vecSecret)}, false},
		{"hmac-sha256 rotation uses the current secret only", HMACSHA256, []string{vecSecret, prevSecret}, map[string]string{HeaderHookstreamSig: "sha256=" + sha256Hex(vecSecret)}, false},
		{"hmac-sha1 is bare hex", HMACSHA1, []string{"plain-secret"}, map[string]string{HeaderHookstreamSig: sha1Hex("plain-secret")}, false},
		{"secret-header sends the current secret", SecretHeader, []string{"s3cr3t", "old"}, map[string]string{HeaderSigningSecret: "s3cr3t"}, false},
		{"openmetadata: X-OpenMetadata-Signature sha256=<hex>", OpenMetadata, []string{vecSecret, prevSecret}, map[string]string{"X-OpenMetadata-Signature": "sha256=" + sha256Hex(vecSecret)}, false},
		{"immuta: x-immuta-webhook-signature bare sha1 hex", Immuta, []string{vecSecret}, map[string]string{"x-immuta-webhook-signature": sha1Hex(vecSecret)}, false},
		{"atlan: x-atlan-signing-secret is the secret", Atlan, []string{vecSecret, prevSecret}, map[string]string{"x-atlan-signing-secret": vecSecret}, false},
		{"atomic: X-Atomic-Signature bare sha256 hex", Atomic, []string{vecSecret}, map[string]string{"X-Atomic-Signature": sha256Hex(vecSecret)}, false},
		{"no secret", Standard, nil, nil, true},
		{"empty current secret", HMACSHA1, []string{""}, nil, true},
		{"unknown scheme", Scheme("md5"), []string{vecSecret}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Headers(tc.scheme, tc.secrets, vecID, vecTime(), body)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want error, got %v", h)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.scheme == Standard && len(tc.secrets) == 2 {
				sigs := strings.Split(h.Get(HeaderSignature), " ")
				if len(sigs) != 2 || sigs[0] != vecSig {
					t.Errorf("rotation signatures = %q", sigs)
				}
			}
		})
	}
	if _, err := Headers(Standard, []string{vecSecret}, "", vecTime(), body); err == nil {
		t.Error("standard without a message id must fail: receivers deduplicate on it")
	}
}

func TestParseScheme(t *testing.T) {
	for in, want := range map[string]Scheme{"": Standard, "standard": Standard, "hmac-sha256": HMACSHA256, "hmac-sha1": HMACSHA1, "secret-header": SecretHeader,
		"openmetadata": OpenMetadata, "immuta": Immuta, "atlan": Atlan, "atomic": Atomic} {
		if got, err := ParseScheme(in); err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseScheme("HMAC"); err == nil {
		t.Error("unknown scheme accepted")
	}
}

func TestVerify(t *testing.T) {
	now := vecTime()
	body := []byte(vecBody)
	signed := func(secrets ...string) http.Header {
		h, err := Headers(Standard, secrets, vecID, now, body)
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
	tests := []struct {
		name    string
		h       http.Header
		body    []byte
		secrets []string
		now     time.Time
		tol     time.Duration
		want    error
	}{
		{"valid", signed(vecSecret), body, []string{vecSecret}, now, 0, nil},
		{"rotation: receiver with the new secret", signed(vecSecret, prevSecret), body, []string{vecSecret}, now, 0, nil},
		{"rotation: receiver still on the previous secret", signed(vecSecret, prevSecret), body, []string{prevSecret}, now, 0, nil},
		{"receiver holding both, sender only the new one", signed(vecSecret), body, []string{prevSecret, vecSecret}, now, 0, nil},
		{"wrong secret", signed(vecSecret), body, []string{prevSecret}, now, 0, ErrNoMatch},
		{"tampered body", signed(vecSecret), []byte(`{"test": 1}`), []string{vecSecret}, now, 0, ErrNoMatch},
		{"tampered id", with(signed(vecSecret), HeaderID, "msg_other"), body, []string{vecSecret}, now, 0, ErrNoMatch},
		{"unknown version only", with(signed(vecSecret), HeaderSignature, "v2,"+vecSig[3:]), body, []string{vecSecret}, now, 0, ErrNoMatch},
		{"unknown version next to v1", with(signed(vecSecret), HeaderSignature, "v1a,abc "+vecSig), body, []string{vecSecret}, now, 0, nil},
		{"missing id", with(signed(vecSecret), HeaderID, ""), body, []string{vecSecret}, now, 0, ErrMissingHeaders},
		{"missing signature", with(signed(vecSecret), HeaderSignature, ""), body, []string{vecSecret}, now, 0, ErrMissingHeaders},
		{"bad timestamp", with(signed(vecSecret), HeaderTimestamp, "1614265330.5"), body, []string{vecSecret}, now, 0, ErrInvalidTimestamp},
		{"within default tolerance", signed(vecSecret), body, []string{vecSecret}, now.Add(5 * time.Minute), 0, nil},
		{"too old", signed(vecSecret), body, []string{vecSecret}, now.Add(5*time.Minute + time.Second), 0, ErrTooOld},
		{"too new", signed(vecSecret), body, []string{vecSecret}, now.Add(-5*time.Minute - time.Second), 0, ErrTooNew},
		{"custom tolerance", signed(vecSecret), body, []string{vecSecret}, now.Add(time.Hour), 2 * time.Hour, nil},
		{"extreme timestamp does not wrap", with(signed(vecSecret), HeaderTimestamp, "-9223372036854775808"), body, []string{vecSecret}, now, 0, ErrTooOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify(tc.h, tc.body, tc.secrets, tc.now, tc.tol); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReferenceLibraryVerifies checks our Standard headers with the Standard
// Webhooks project's own Go library, so a shared misreading of the
// specification between our signer and our verifier cannot pass unnoticed.
func TestReferenceLibraryVerifies(t *testing.T) {
	body := []byte(`{"type":"entityCreated","data":{"guid":"42"}}`)
	// The library checks the timestamp against its own clock, so sign "now".
	now := time.Now()
	tests := []struct {
		name    string
		secrets []string
		libKey  string
	}{
		{"published secret", []string{vecSecret}, vecSecret},
		{"rotation, library has the new secret", []string{vecSecret, prevSecret}, vecSecret},
		{"rotation, library has the previous secret", []string{vecSecret, prevSecret}, prevSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Headers(Standard, tc.secrets, "msg_ref", now, body)
			if err != nil {
				t.Fatal(err)
			}
			wh, err := standardwebhooks.NewWebhook(tc.libKey)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(body, h); err != nil {
				t.Fatalf("reference library rejects our headers: %v", err)
			}
			if err := wh.Verify(append(body, ' '), h); err == nil {
				t.Fatal("reference library accepts a changed body")
			}
		})
	}
	// And the other direction: what the library signs, we verify.
	wh, err := standardwebhooks.NewWebhook(vecSecret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(vecID, vecTime(), []byte(vecBody))
	if err != nil {
		t.Fatal(err)
	}
	if sig != vecSig {
		t.Fatalf("reference library signs the vector as %q", sig)
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, vecID)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, "1614265330")
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	if err := Verify(h, []byte(vecBody), []string{vecSecret}, vecTime(), 0); err != nil {
		t.Fatalf("we reject the reference library's signature: %v", err)
	}
}

// TestGolden pins the exact headers of every scheme, rotation included, so a
// change in bytes on the wire shows up as a diff in testdata. Regenerate with
// HOOKSTREAM_UPDATE_GOLDEN=1 go test ./outbound/signature.
func TestGolden(t *testing.T) {
	body := []byte(`{"eventId":"evt_1","eventType":"entityCreated","webhookId":"wh_1"}`)
	ts := time.Unix(1700000000, 0)
	tests := []struct {
		file    string
		scheme  Scheme
		secrets []string
	}{
		{"standard.golden", Standard, []string{vecSecret}},
		{"standard-rotation.golden", Standard, []string{vecSecret, prevSecret}},
		{"hmac-sha256.golden", HMACSHA256, []string{vecSecret}},
		{"hmac-sha1.golden", HMACSHA1, []string{vecSecret}},
		{"secret-header.golden", SecretHeader, []string{vecSecret}},
		{"openmetadata.golden", OpenMetadata, []string{vecSecret}},
		{"immuta.golden", Immuta, []string{vecSecret}},
		{"atlan.golden", Atlan, []string{vecSecret}},
		{"atomic.golden", Atomic, []string{vecSecret}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			h, err := Headers(tc.scheme, tc.secrets, "msg_golden", ts, body)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.WriteString("# scheme: " + string(tc.scheme) + "\n")
			b.WriteString("# secrets: " + strings.Join(tc.secrets, " ") + "\n")
			b.WriteString("# msg-id: msg_golden, timestamp: 1700000000\n")
			b.WriteString("# body: " + string(body) + "\n")
			keys := make([]string, 0, len(h))
			for k := range h {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b.WriteString(k + ": " + h.Get(k) + "\n")
			}
			path := filepath.Join("testdata", tc.file)
			if os.Getenv("HOOKSTREAM_UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with HOOKSTREAM_UPDATE_GOLDEN=1)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("headers differ from %s:\n got:\n%s\nwant:\n%s", path, b.Bytes(), want)
			}
		})
	}
}

func TestSecretBearing(t *testing.T) {
	for name, want := range map[string]bool{"x-hookstream-signing-secret": true, HeaderSigningSecret: true, "x-atlan-signing-secret": true,
		HeaderSignature: false, HeaderHookstreamSig: false, HeaderOpenMetadataSig: false, HeaderImmutaSig: false, HeaderAtomicSig: false} {
		if got := SecretBearing(name); got != want {
			t.Errorf("SecretBearing(%q) = %v", name, got)
		}
	}
}

// FuzzVerify feeds arbitrary headers to the parser and verifier: they must
// never panic, and must accept only a header that carries the real MAC.
func FuzzVerify(f *testing.F) {
	f.Add(vecID, "1614265330", vecSig, vecBody)
	f.Add(vecID, "1614265330", "v1,"+vecSig[3:]+" v1,!!!", vecBody)
	f.Add("", "", "", "")
	f.Add("x", "-9223372036854775808", "v1, v1,,,", "{}")
	f.Add("x", "9223372036854775807", "v2,abc v1", "")
	f.Fuzz(func(t *testing.T, id, ts, sig, body string) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		_ = ParseSignatures(sig)
		err := Verify(h, []byte(body), []string{vecSecret}, vecTime(), 0)
		if err != nil {
			return
		}
		// Accepted: one v1 entry must decode to the real MAC for the
		// timestamp as the verifier read it.
		unix, perr := strconv.ParseInt(ts, 10, 64)
		if perr != nil {
			t.Fatalf("accepted unparsable timestamp %q", ts)
		}
		want, herr := Headers(Standard, []string{vecSecret}, h.Get(HeaderID), time.Unix(unix, 0), []byte(body))
		if herr != nil {
			t.Fatalf("accepted a header we could not have produced: %v", herr)
		}
		wantMAC := ParseSignatures(want.Get(HeaderSignature))[0]
		for _, g := range ParseSignatures(h.Get(HeaderSignature)) {
			if bytes.Equal(g, wantMAC) {
				return
			}
		}
		t.Fatalf("accepted %q without the real signature %q", sig, want.Get(HeaderSignature))
	})
}
