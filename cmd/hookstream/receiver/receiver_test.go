package receiver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
)

const (
	testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	oldSecret  = "whsec_dGhpcyBpcyB0aGUgcHJldmlvdXMgc2VjcmV0IGtleSE="
	testBody   = `{"eventId":"evt_1","eventType":"entityCreated","webhookId":"wh_1"}`
)

var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// deliver serves one POST to a fresh handler and returns the response and
// what was printed.
func deliver(t *testing.T, cfg Config, h http.Header, body string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	var out bytes.Buffer
	req := httptest.NewRequest(http.MethodPost, "/hooks/catalog?x=1", strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	Handler(cfg, &out, func() time.Time { return testNow }).ServeHTTP(rec, req)
	return rec, out.String()
}

func sign(t *testing.T, scheme signature.Scheme, secrets []string, ts time.Time, body string) http.Header {
	t.Helper()
	h, err := signature.Headers(scheme, secrets, "msg_42", ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSignedDeliveries(t *testing.T) {
	for _, scheme := range signature.Schemes {
		t.Run(string(scheme), func(t *testing.T) {
			cfg := Config{Secrets: []string{testSecret}, Scheme: scheme}
			id := "-"
			if scheme == signature.Standard {
				id = "msg_42"
			}

			rec, out := deliver(t, cfg, sign(t, scheme, []string{testSecret}, testNow, testBody), testBody)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("good signature: status %d %q", rec.Code, rec.Body)
			}
			wantLine := "2025-03-04T05:06:07.000Z POST /hooks/catalog?x=1 webhook-id=" + id + " verified " + string(scheme) + "\n"
			if !strings.HasPrefix(out, wantLine) {
				t.Fatalf("printed %q, want first line %q", out, wantLine)
			}
			if !strings.Contains(out, "\n  {\n    \"eventId\": \"evt_1\",\n") {
				t.Errorf("body not pretty-printed: %q", out)
			}

			rec, out = deliver(t, cfg, sign(t, scheme, []string{oldSecret}, testNow, testBody), testBody)
			if rec.Code != http.StatusUnauthorized || !strings.Contains(out, "REJECTED: no matching signature") {
				t.Errorf("wrong secret: status %d, printed %q", rec.Code, out)
			}
			if !strings.Contains(rec.Body.String(), "no matching signature") {
				t.Errorf("401 body %q does not say why", rec.Body)
			}

			rec, out = deliver(t, cfg, nil, testBody)
			if rec.Code != http.StatusUnauthorized || !strings.Contains(out, "REJECTED: missing") {
				t.Errorf("no signature headers: status %d, printed %q", rec.Code, out)
			}

			if scheme == signature.SecretHeader || scheme == signature.Atlan {
				return // the shared secret does not cover the body
			}
			tampered := strings.Replace(testBody, "evt_1", "evt_2", 1)
			rec, out = deliver(t, cfg, sign(t, scheme, []string{testSecret}, testNow, testBody), tampered)
			if rec.Code != http.StatusUnauthorized || !strings.Contains(out, "REJECTED: no matching signature") {
				t.Errorf("tampered body: status %d, printed %q", rec.Code, out)
			}
			if !strings.Contains(out, "evt_2") {
				t.Errorf("a rejected body is printed too, for debugging: %q", out)
			}
		})
	}
}

func TestStandardTimestamp(t *testing.T) {
	cfg := Config{Secrets: []string{testSecret}}
	for _, tc := range []struct {
		name string
		ts   time.Time
		tol  time.Duration
		code int
		want string
	}{
		{"too old", testNow.Add(-6 * time.Minute), 0, http.StatusUnauthorized, "REJECTED: message timestamp too old"},
		{"too new", testNow.Add(6 * time.Minute), 0, http.StatusUnauthorized, "REJECTED: message timestamp too new"},
		{"old but within a wider tolerance", testNow.Add(-6 * time.Minute), 10 * time.Minute, http.StatusNoContent, "verified standard"},
		{"at the edge", testNow.Add(-5 * time.Minute), 0, http.StatusNoContent, "verified standard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg.Tolerance = tc.tol
			rec, out := deliver(t, cfg, sign(t, signature.Standard, []string{testSecret}, tc.ts, testBody), testBody)
			if rec.Code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("status %d, printed %q; want %d and %q", rec.Code, out, tc.code, tc.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	// The sender signs with both during a grace period; a receiver holding
	// either one, or both, accepts.
	h := sign(t, signature.Standard, []string{testSecret, oldSecret}, testNow, testBody)
	for _, secrets := range [][]string{{testSecret}, {oldSecret}, {"whsec_b3RoZXI=", oldSecret}} {
		if rec, out := deliver(t, Config{Secrets: secrets}, h, testBody); rec.Code != http.StatusNoContent {
			t.Errorf("receiver with %v: status %d, printed %q", secrets, rec.Code, out)
		}
	}
}

func TestUnsigned(t *testing.T) {
	rec, out := deliver(t, Config{}, nil, "plain text")
	if rec.Code != http.StatusNoContent {
		t.Fatalf("status %d", rec.Code)
	}
	want := "2025-03-04T05:06:07.000Z POST /hooks/catalog?x=1 webhook-id=- unsigned (no --secret)\n  plain text\n"
	if out != want {
		t.Fatalf("printed %q, want %q", out, want)
	}
}

func TestBodyTooLarge(t *testing.T) {
	rec, out := deliver(t, Config{}, nil, strings.Repeat("a", MaxBody+1))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(out, "REJECTED: body over 10 MiB") {
		t.Fatalf("status %d, printed %.200q", rec.Code, out)
	}
}

func TestConcurrentDeliveriesDoNotInterleave(t *testing.T) {
	var out bytes.Buffer
	h := Handler(Config{}, &out, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() {
			resp, err := srv.Client().Post(srv.URL+"/x", "application/json", strings.NewReader(testBody))
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Every entry is a header line and the five lines of the pretty body.
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n*6 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), n*6, out.String())
	}
	for i := 0; i < len(lines); i += 6 {
		if !strings.Contains(lines[i], " POST /x webhook-id=- unsigned") || lines[i+1] != "  {" || lines[i+5] != "  }" {
			t.Fatalf("entry at line %d interleaved:\n%s", i, strings.Join(lines[i:i+6], "\n"))
		}
	}
}
