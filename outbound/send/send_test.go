package send

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/outbound/ssrf"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func newSender(t testing.TB, opts Options) *Sender {
	t.Helper()
	if opts.Guard == nil {
		g, err := ssrf.New(ssrf.Options{AllowLoopback: true})
		if err != nil {
			t.Fatal(err)
		}
		opts.Guard = g
	}
	if opts.Version == "" {
		opts.Version = "1.2.3"
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// server starts an httptest server on 127.0.0.1 (httptest's default) that
// counts new connections.
func server(t testing.TB, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestHeadersAndSignature(t *testing.T) {
	type seen struct {
		method string
		h      http.Header
		body   string
	}
	got := make(chan seen, 1)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Clone(), string(b)}
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "slow down")
	})
	now := time.Now()
	s := newSender(t, Options{Now: func() time.Time { return now }})
	body := []byte(`{"eventId":"e1"}`)
	res := s.Send(context.Background(), Request{
		URL:  srv.URL + "/hook",
		Body: body,
		Headers: map[string]string{
			"Authorization":     "Bearer t0k",
			"X-Team":            "data",
			"Accept":            "application/json",
			"content-type":      "text/plain", // may not override
			"User-Agent":        "evil",       // may not override
			"Webhook-Id":        "forged",     // may not override
			"webhook-signature": "v1,forged",
		},
		Scheme:    signature.Standard,
		Secrets:   []string{secret},
		MessageID: "msg_1",
	})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	r := <-got
	if r.method != http.MethodPost || r.body != string(body) {
		t.Errorf("method %s body %q", r.method, r.body)
	}
	for k, want := range map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    "hookstream/1.2.3",
		"Authorization": "Bearer t0k",
		"X-Team":        "data",
		"Webhook-Id":    "msg_1",
	} {
		if v := r.h.Values(k); len(v) != 1 || v[0] != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if err := signature.Verify(r.h, []byte(r.body), []string{secret}, now, 0); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	if res.StatusCode != 429 || res.RetryAfter != "7" || res.Snippet != "slow down" || res.Latency <= 0 {
		t.Errorf("result %+v", res)
	}
	// Every custom header but the few known harmless ones is hidden in the
	// record; what the sender set itself shows.
	for k, want := range map[string]string{
		"Authorization": Redacted, "X-Team": Redacted, "Accept": "application/json",
		"Content-Type": "application/json", "User-Agent": "hookstream/1.2.3", "Webhook-Id": "msg_1",
	} {
		if v := res.RequestHeader.Get(k); v != want {
			t.Errorf("request header record %s = %q, want %q", k, v, want)
		}
	}
	if !strings.HasPrefix(res.RequestHeader.Get(signature.HeaderSignature), "v1,") {
		t.Errorf("the signature is hidden in the record: %v", res.RequestHeader)
	}
}

func TestRedactAndCredential(t *testing.T) {
	for _, c := range []struct {
		name               string
		credential, redact bool
	}{
		{"Authorization", true, true},
		{"cookie", true, true},
		{"Api-Key", true, true},
		{"X-Auth-Token", true, true},
		{"X-Team", true, true},
		{"accept", false, false},
		{"Cache-Control", false, false},
		{"Content-Type", true, false}, // reserved: the sender's own
		{"webhook-signature", true, false},
		{"webhook-id", true, false},
		{signature.HeaderSigningSecret, true, true},
	} {
		if got := Credential(c.name); got != c.credential {
			t.Errorf("Credential(%q) = %v", c.name, got)
		}
		if got := Redact(c.name); got != c.redact {
			t.Errorf("Redact(%q) = %v", c.name, got)
		}
	}
}

func TestSecretHeaderRedactedAndUnsigned(t *testing.T) {
	got := make(chan http.Header, 2)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() })
	s := newSender(t, Options{})
	res := s.Send(context.Background(), Request{URL: srv.URL, Scheme: signature.SecretHeader, Secrets: []string{"s3cret"}, Body: []byte("{}")})
	if res.Err != nil || res.StatusCode != 200 {
		t.Fatal(res)
	}
	if h := <-got; h.Get(signature.HeaderSigningSecret) != "s3cret" {
		t.Errorf("secret header not sent: %v", h)
	}
	if v := res.RequestHeader.Get(signature.HeaderSigningSecret); v != Redacted {
		t.Errorf("secret kept in record: %q", v)
	}
	res = s.Send(context.Background(), Request{URL: srv.URL, Body: []byte("{}")})
	if h := <-got; res.Err != nil || h.Get(signature.HeaderSignature) != "" || h.Get(signature.HeaderHookstreamSig) != "" {
		t.Errorf("unsigned request: %v %v", res.Err, h)
	}
}

func TestMethods(t *testing.T) {
	got := make(chan string, 2)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) { got <- r.Method })
	s := newSender(t, Options{})
	for _, m := range []string{"PUT", "put", "POST", ""} {
		res := s.Send(context.Background(), Request{URL: srv.URL, Method: m})
		want := strings.ToUpper(m)
		if want == "" {
			want = "POST"
		}
		if g := <-got; res.Err != nil || g != want {
			t.Errorf("method %q: sent %s, err %v", m, g, res.Err)
		}
	}
	if res := s.Send(context.Background(), Request{URL: srv.URL, Method: "GET"}); res.Err == nil {
		t.Error("GET allowed")
	}
}

func TestTimeout(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s := newSender(t, Options{})
	const timeout = 150 * time.Millisecond
	start := time.Now()
	res := s.Send(context.Background(), Request{URL: srv.URL, Timeout: timeout})
	elapsed := time.Since(start)
	if !errors.Is(res.Err, context.DeadlineExceeded) || res.StatusCode != 0 {
		t.Fatalf("want deadline exceeded, got %+v", res)
	}
	if elapsed < timeout || elapsed > timeout+2*time.Second {
		t.Errorf("returned after %v for a %v timeout", elapsed, timeout)
	}
}

func TestBodyCap(t *testing.T) {
	chunk := strings.Repeat("é", 512) // 1 KiB of 2-byte runes
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "x") // shift runes so the 1 KiB snippet cut splits one
		for range 1024 {       // 1 MiB
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		// Never end the response: a client reading past the cap would
		// block here until its timeout.
		<-r.Context().Done()
	})
	s := newSender(t, Options{})
	res := s.Send(context.Background(), Request{URL: srv.URL, Timeout: 10 * time.Second})
	if res.Err != nil || res.BodyErr != nil || res.StatusCode != 200 {
		t.Fatalf("%+v", res)
	}
	if res.BodyBytes != MaxBodyRead {
		t.Errorf("read %d bytes, want %d", res.BodyBytes, MaxBodyRead)
	}
	if len(res.Snippet) > SnippetSize || len(res.Snippet) < SnippetSize-3 || !utf8.ValidString(res.Snippet) || !strings.HasPrefix(res.Snippet, "xé") {
		t.Errorf("snippet len %d valid %v", len(res.Snippet), utf8.ValidString(res.Snippet))
	}
}

func TestSnippetInvalidUTF8(t *testing.T) {
	if got := snippet([]byte("ok\xff\xfeok")); got != "okok" {
		t.Errorf("snippet %q", got)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var followed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(http.ResponseWriter, *http.Request) { followed.Store(true) })
	srv, _ := server(t, mux.ServeHTTP)
	s := newSender(t, Options{})
	res := s.Send(context.Background(), Request{URL: srv.URL + "/hook"})
	if res.Err != nil || res.StatusCode != http.StatusTemporaryRedirect || followed.Load() {
		t.Errorf("status %d err %v followed %v", res.StatusCode, res.Err, followed.Load())
	}
}

func TestKeepAlive(t *testing.T) {
	srv, conns := server(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"ok":true}`)
	})
	s := newSender(t, Options{})
	for i := range 20 {
		if res := s.Send(context.Background(), Request{URL: srv.URL, Body: []byte(`{}`)}); res.Err != nil || res.StatusCode != 200 {
			t.Fatalf("send %d: %+v", i, res)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 20 sequential sends, want 1", n)
	}
}

func TestHTTP2WhereOffered(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	s := newSender(t, Options{TLSConfig: &tls.Config{RootCAs: pool}})
	res := s.Send(context.Background(), Request{URL: srv.URL})
	if res.Err != nil || res.Proto != "HTTP/2.0" || res.Snippet != "HTTP/2.0" {
		t.Errorf("%+v", res)
	}
}

// refusingAddr is a loopback address nothing listens on any more.
func refusingAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRefused(t *testing.T) {
	s := newSender(t, Options{})
	res := s.Send(context.Background(), Request{URL: "http://" + refusingAddr(t) + "/hook"})
	if !errors.Is(res.Err, syscall.ECONNREFUSED) || res.StatusCode != 0 {
		t.Errorf("%+v", res)
	}
}

// TestErrorAsClientWrites: the sender calls the transport itself, and its
// errors read as http.Client.Do's would (attempt records and logs keep
// their wording), the URL's password hidden the same way.
func TestErrorAsClientWrites(t *testing.T) {
	addr := refusingAddr(t)
	s := newSender(t, Options{})
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		target := "http://user:hunter2@" + addr + "/hook?x=1"
		res := s.Send(context.Background(), Request{URL: target, Method: method})
		req, err := http.NewRequest(method, target, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		_, want := (&http.Client{Transport: s.transport}).Do(req)
		var ue *url.Error
		if !errors.As(res.Err, &ue) || want == nil || res.Err.Error() != want.Error() {
			t.Errorf("%s: got %v, want %v", method, res.Err, want)
		}
		if strings.Contains(res.Err.Error(), "hunter2") {
			t.Errorf("%s: password in %v", method, res.Err)
		}
	}
}

func TestSSRFBlocked(t *testing.T) {
	g, err := ssrf.New(ssrf.Options{}) // loopback not allowed
	if err != nil {
		t.Fatal(err)
	}
	var hit atomic.Bool
	srv, _ := server(t, func(http.ResponseWriter, *http.Request) { hit.Store(true) })
	s := newSender(t, Options{Guard: g})
	for _, u := range []string{srv.URL, "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:], "ftp://127.0.0.1/x"} {
		if res := s.Send(context.Background(), Request{URL: u}); !errors.Is(res.Err, ssrf.ErrBlocked) {
			t.Errorf("%s: %v", u, res.Err)
		}
	}
	if hit.Load() {
		t.Error("blocked endpoint was reached")
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without guard")
	}
}

func BenchmarkSend(b *testing.B) {
	srv, _ := server(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	s := newSender(b, Options{})
	req := Request{
		URL:       srv.URL,
		Body:      []byte(`{"eventId":"e1","eventType":"entityCreated","entity":{"type":"table","name":"orders"}}`),
		Headers:   map[string]string{"Authorization": "Bearer x"},
		Scheme:    signature.Standard,
		Secrets:   []string{secret},
		MessageID: "msg_1",
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res := s.Send(context.Background(), req); res.Err != nil || res.StatusCode != 204 {
				b.Fatal(res.Err, res.StatusCode)
			}
		}
	})
}

// failAfter yields its bytes, then fails.
type failAfter struct {
	data []byte
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadAnswerMatchesReadAll: the pooled read keeps what reading the
// whole capped body did (its length, its snippet, a read error), at the
// sizes around the snippet and the cap.
func TestReadAnswerMatchesReadAll(t *testing.T) {
	s := newSender(t, Options{})
	broken := errors.New("connection reset")
	for _, n := range []int{0, 1, SnippetSize - 1, SnippetSize, SnippetSize + 1, 3 * SnippetSize, MaxBodyRead, MaxBodyRead + 5} {
		for _, fail := range []error{io.EOF, broken} {
			data := []byte(strings.Repeat("aé", n/3+1))[:n]
			want, wantErr := io.ReadAll(io.LimitReader(&failAfter{data: data, err: fail}, MaxBodyRead))
			for range 2 { // the second read gets the pooled room back
				got, snip, err := s.readAnswer(&failAfter{data: data, err: fail})
				if got != len(want) || snip != snippet(want) || !errors.Is(err, wantErr) && (err != nil || wantErr != nil) {
					t.Errorf("%d bytes, %v: got %d %q %v, want %d %q %v", n, fail, got, snip, err, len(want), snippet(want), wantErr)
				}
			}
		}
	}
}
