package signature

import (
	"bytes"
	"testing"
	"time"
)

// benchBody is a 1 KiB JSON body, the size of the end-to-end targets.
var benchBody = func() []byte {
	b := []byte(`{"eventId":"6f1c5d8e-0000-4000-8000-000000000001","eventType":"entityUpdated","entity":{"description":"`)
	tail := []byte(`"}}`)
	b = append(b, bytes.Repeat([]byte("x"), 1024-len(b)-len(tail))...)
	return append(b, tail...)
}()

// BenchmarkHeaders is signing one 1 KiB body under every scheme, as the
// sender does once per attempt; standard-rotation signs with two secrets,
// as during a rotation's grace period.
func BenchmarkHeaders(b *testing.B) {
	ts := time.Unix(vecTS, 0)
	for _, tc := range []struct {
		name    string
		scheme  Scheme
		secrets []string
	}{
		{"standard", Standard, []string{vecSecret}},
		{"standard-rotation", Standard, []string{vecSecret, prevSecret}},
		{"hmac-sha256", HMACSHA256, []string{vecSecret}},
		{"hmac-sha1", HMACSHA1, []string{vecSecret}},
		{"secret-header", SecretHeader, []string{vecSecret}},
	} {
		b.Run("scheme="+tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(benchBody)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Headers(tc.scheme, tc.secrets, vecID, ts, benchBody); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify is a receiver checking a Standard Webhooks signature of a
// 1 KiB body (hookstream receive, and the integration tests' receivers).
func BenchmarkVerify(b *testing.B) {
	ts := time.Unix(vecTS, 0)
	h, err := Headers(Standard, []string{vecSecret}, vecID, ts, benchBody)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(h, benchBody, []string{vecSecret}, ts, 0); err != nil {
			b.Fatal(err)
		}
	}
}
