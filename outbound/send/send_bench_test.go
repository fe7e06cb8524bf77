package send

import (
	"bytes"
	"testing"

	"github.com/hookstream/hookstream/outbound/signature"
)

// BenchmarkPrepare is the body and headers of one signed 1 KiB delivery
// with two custom headers, as Send builds them for every attempt.
func BenchmarkPrepare(b *testing.B) {
	s := newSender(b, Options{Version: "bench"})
	req := Request{
		URL:       "http://127.0.0.1:1/hook",
		Headers:   map[string]string{"Authorization": "Bearer t0ken", "X-Team": "data"},
		Body:      append(append([]byte(`{"eventId":"e1","entity":{"description":"`), bytes.Repeat([]byte("x"), 970)...), `"}}`...),
		Scheme:    signature.Standard,
		Secrets:   []string{secret},
		MessageID: "6f1c5d8e-0000-4000-8000-000000000001",
	}
	b.SetBytes(int64(len(req.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Prepare(req); err != nil {
			b.Fatal(err)
		}
	}
}
