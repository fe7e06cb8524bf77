// Package send makes one HTTP attempt of a delivery.
//
// A Sender owns one pooled *http.Client built on the SSRF guard's transport:
// keep-alive connections (up to MaxConnsPerHost idle ones per endpoint),
// HTTP/2 where the endpoint offers it over TLS, and no redirects followed (a
// 3xx is returned as the attempt's status, which outcome.Classify counts as a
// failure, so an endpoint cannot lead us past the SSRF allow-list).
//
// Signing happens here, not in the caller: Request carries the scheme and
// secrets and Send calls signature.Headers over the exact body with the time
// of the attempt, so every retry gets a fresh webhook-timestamp (Standard
// Webhooks receivers reject old ones). Every request carries webhook-id, the
// delivery id, whatever the scheme and signed or not, and it stays the same
// across retries, so any receiver can deduplicate on it. Headers the sender owns — Content-Type, User-Agent, the
// signature headers and the hop-by-hop/framing headers — cannot be set or
// overridden by a webhook's custom headers; such custom headers are dropped.
package send

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/outbound/ssrf"
	"github.com/hookstream/hookstream/schemas"
)

// Limits.
const (
	DefaultTimeout = schemas.DefaultTimeoutSeconds * time.Second
	// MaxBodyRead is how much of a response body is read; the rest is
	// never read (the connection is then closed rather than reused).
	MaxBodyRead = 64 << 10
	// SnippetSize is how much of the read body Result keeps.
	SnippetSize = 1 << 10
	// DefaultMaxConnsPerHost matches the per-endpoint in-flight bound.
	DefaultMaxConnsPerHost = 16
)

// jsonContentType is the Content-Type value of every request.
var jsonContentType = []string{"application/json"}

// Redacted replaces a hidden header value wherever headers are shown.
const Redacted = "[redacted]"

// Options configure a Sender.
type Options struct {
	// Guard checks URLs and, through its transport, every dialled address.
	// Required.
	Guard *ssrf.Guard
	// Version goes into User-Agent: hookstream/<Version>.
	Version string
	// MaxConnsPerHost bounds idle keep-alive connections kept per endpoint;
	// 0 means DefaultMaxConnsPerHost.
	MaxConnsPerHost int
	// TLSConfig, if set, is the client TLS configuration (tests use it to
	// trust an httptest certificate). HTTP/2 is still attempted.
	TLSConfig *tls.Config
	// Now is the clock for signatures; nil means time.Now.
	Now func() time.Time
}

// Sender sends attempts. It is safe for concurrent use.
type Sender struct {
	guard *ssrf.Guard
	// userAgent is the User-Agent value of every request.
	userAgent []string
	// transport sends each request itself: an http.Client would add nothing
	// but cost, since redirects are never followed (a 3xx is the
	// endpoint's answer) and there are no cookies, and it copies every
	// request's headers in case of a redirect.
	transport *http.Transport
	now       func() time.Time
	answers   sync.Pool // of *answer
}

// New builds a Sender and its pooled client.
func New(opts Options) (*Sender, error) {
	if opts.Guard == nil {
		return nil, errors.New("send: no SSRF guard")
	}
	t := opts.Guard.Transport()
	t.ForceAttemptHTTP2 = true
	per := opts.MaxConnsPerHost
	if per <= 0 {
		per = DefaultMaxConnsPerHost
	}
	t.MaxIdleConnsPerHost = per
	if t.MaxIdleConns < 4*per {
		t.MaxIdleConns = 4 * per
	}
	if opts.TLSConfig != nil {
		t.TLSClientConfig = opts.TLSConfig.Clone()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Sender{
		userAgent: []string{"hookstream/" + opts.Version},
		guard:     opts.Guard,
		now:       now,
		transport: t,
	}, nil
}

// Close drops the idle pooled connections.
func (s *Sender) Close() { s.transport.CloseIdleConnections() }

// Request is one attempt to make.
type Request struct {
	URL string
	// Method is POST (default, also for "") or PUT; anything else is an error.
	Method string
	// Headers are the webhook's custom headers (e.g. Authorization).
	Headers map[string]string
	// Body is sent as is, with Content-Type: application/json, except
	// under the immuta scheme (signature.Body).
	Body []byte
	// Timeout bounds the whole attempt, response body read included; 0
	// means DefaultTimeout (webhook timeoutSeconds).
	Timeout time.Duration

	// Scheme and Secrets sign the body (signature.Headers); with no
	// Secrets the request is sent unsigned. MessageID is the delivery id,
	// sent as webhook-id under every scheme.
	Scheme    signature.Scheme
	Secrets   []string
	MessageID string
}

// Result is the outcome of one attempt, for outcome.Classify and the attempt
// record.
type Result struct {
	// StatusCode is 0 when no response arrived (Err is set).
	StatusCode int
	// Latency runs from just before the request is written to the end of
	// reading the (capped) response body, or to the error.
	Latency time.Duration
	// Snippet is at most the first SnippetSize bytes of the body, cut on a
	// rune boundary, invalid UTF-8 dropped.
	Snippet string
	// BodyBytes is how much of the body was read (at most MaxBodyRead).
	BodyBytes int
	// RetryAfter is the response's Retry-After header value.
	RetryAfter string
	// Proto is the response protocol, e.g. "HTTP/1.1" or "HTTP/2.0".
	Proto string
	// RequestHeader is what was sent, the values Redact names replaced by
	// Redacted.
	RequestHeader http.Header
	// Err is a transport failure: blocked by the SSRF guard, refused,
	// reset, timed out (wraps context.DeadlineExceeded), or a bad request.
	// A non-2xx status is not an Err.
	Err error
	// BodyErr is a failure reading the response body after the status
	// arrived; it does not change the outcome, which the status decides.
	BodyErr error
}

var (
	// reserved are headers a custom header may not set.
	reserved = map[string]bool{}
	// nonSecret are the custom headers that are not credentials: content
	// negotiation and caching headers, shown and kept in clear.
	nonSecret = map[string]bool{}
)

func init() {
	for _, h := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Cache-Control", "Content-Language", "Pragma",
	} {
		nonSecret[http.CanonicalHeaderKey(h)] = true
	}
	for _, h := range []string{
		"Content-Type", "Content-Length", "User-Agent", "Host", "Connection", "Keep-Alive",
		"Proxy-Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade",
	} {
		reserved[http.CanonicalHeaderKey(h)] = true
	}
	for _, h := range signature.SenderHeaders() {
		reserved[http.CanonicalHeaderKey(h)] = true
	}
}

// Reserved reports whether the sender owns a header, so a webhook's custom
// header of that name would be dropped; the API refuses such a header.
func Reserved(name string) bool { return reserved[http.CanonicalHeaderKey(name)] }

// Credential reports whether a webhook's custom header carries a
// credential: every one does except a few content negotiation and caching
// headers (Accept, Accept-Charset, Accept-Encoding, Accept-Language,
// Cache-Control, Content-Language, Pragma). A list of secret
// names would miss the next API-key header somebody invents; a list of the
// harmless ones fails safe. Credentials are sealed at rest and redacted
// wherever headers are shown.
func Credential(name string) bool { return !nonSecret[http.CanonicalHeaderKey(name)] }

// Redact reports whether a request header's value is hidden where requests
// are shown (attempt records, test answers): the signing-secret header and
// every custom header that is a Credential. The headers the sender sets
// itself and that carry no secret (Content-Type, User-Agent, webhook-id,
// webhook-timestamp, the signatures) are shown.
func Redact(name string) bool {
	switch {
	case signature.SecretBearing(name):
		return true
	case Reserved(name):
		return false
	}
	return Credential(name)
}

// redacted is h as requests are shown: h itself when nothing in it is
// hidden (the client only reads a request's headers, and so does the
// caller), else a copy with the hidden values replaced.
func redacted(h http.Header) http.Header {
	var out http.Header
	for k := range h {
		if !Redact(k) {
			continue
		}
		if out == nil {
			out = h.Clone()
		}
		out[k] = []string{Redacted}
	}
	if out == nil {
		return h
	}
	return out
}

// Prepare is the body and headers Send would send for req, signed now:
// what a preview shows. It neither checks the URL nor sends.
func (s *Sender) Prepare(req Request) ([]byte, http.Header, error) {
	body, err := signature.Body(req.Scheme, req.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("send: %w", err)
	}
	// Room for the custom headers and the most the sender sets (a
	// signature's three, webhook-id, Content-Type, User-Agent), so the map
	// is not grown as it is filled.
	h := make(http.Header, len(req.Headers)+6)
	for k, v := range req.Headers {
		if reserved[http.CanonicalHeaderKey(k)] {
			continue
		}
		h.Set(k, v)
	}
	if len(req.Secrets) > 0 {
		if err := signature.Sign(h, req.Scheme, req.Secrets, req.MessageID, s.now(), body); err != nil {
			return nil, nil, fmt.Errorf("send: sign: %w", err)
		}
	}
	// The names below are canonical already, so they are set without
	// Header.Set's canonicalisation. The standard scheme's signing has
	// set webhook-id already.
	if req.MessageID != "" && h[signature.HeaderID] == nil {
		h[signature.HeaderID] = []string{req.MessageID}
	}
	// The same two values go into every request: one slice each, which
	// no reader of a request's or an attempt's headers writes into.
	h["Content-Type"] = jsonContentType
	h["User-Agent"] = s.userAgent
	return body, h, nil
}

// Send makes the attempt. It never panics on endpoint behaviour and always
// returns a Result; check Err first, then StatusCode.
func (s *Sender) Send(ctx context.Context, req Request) Result {
	var res Result
	method := strings.ToUpper(req.Method)
	switch method {
	case "":
		method = http.MethodPost
	case http.MethodPost, http.MethodPut:
	default:
		res.Err = fmt.Errorf("send: method %q not allowed (POST or PUT)", req.Method)
		return res
	}
	if err := s.guard.CheckURL(req.URL); err != nil {
		res.Err = err
		return res
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	body, header, err := s.Prepare(req)
	if err != nil {
		res.Err = err
		return res
	}
	hr, err := http.NewRequestWithContext(ctx, method, req.URL, bytes.NewReader(body))
	if err != nil {
		res.Err = fmt.Errorf("send: %w", err)
		return res
	}
	hr.Header = header
	res.RequestHeader = redacted(header)

	start := time.Now()
	resp, err := s.transport.RoundTrip(hr)
	if err != nil {
		res.Latency = time.Since(start)
		res.Err = requestError(hr, err)
		return res
	}
	defer resp.Body.Close()
	res.StatusCode = resp.StatusCode
	res.Proto = resp.Proto
	res.RetryAfter = resp.Header.Get("Retry-After")
	res.BodyBytes, res.Snippet, err = s.readAnswer(resp.Body)
	res.Latency = time.Since(start)
	if err != nil {
		// The status is the endpoint's answer and stands; a body cut
		// short (timeout, reset) is only noted.
		res.BodyErr = err
	}
	return res
}

// answer is the room one response body is read into: the snippet's bytes
// and one more, so snippet sees that the body went on.
type answer struct {
	head [SnippetSize + 1]byte
	body io.LimitedReader
}

// readAnswer reads up to MaxBodyRead bytes of body and returns how many it
// read and the snippet of them. Only the snippet is kept, so the rest is
// counted, not held, and the room comes from a pool: every attempt reads a
// body, most of them empty or short.
func (s *Sender) readAnswer(body io.Reader) (int, string, error) {
	a, _ := s.answers.Get().(*answer)
	if a == nil {
		a = new(answer)
	}
	defer s.answers.Put(a)
	a.body = io.LimitedReader{R: body, N: MaxBodyRead}
	defer func() { a.body.R = nil }()
	n, err := io.ReadFull(&a.body, a.head[:])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return n, snippet(a.head[:n]), nil
	}
	if err != nil {
		return n, snippet(a.head[:n]), err
	}
	rest, err := io.Copy(io.Discard, &a.body)
	return n + int(rest), snippet(a.head[:n]), err
}

func snippet(b []byte) string {
	if len(b) > SnippetSize {
		b = b[:SnippetSize]
		// Drop a rune cut in half at the end.
		for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
			if utf8.RuneStart(b[len(b)-i]) {
				if !utf8.FullRune(b[len(b)-i:]) {
					b = b[:len(b)-i]
				}
				break
			}
		}
	}
	return strings.ToValidUTF8(string(b), "")
}

// requestError is err as http.Client.Do would have returned it: a
// *url.Error naming the method and the URL, its password hidden.
func requestError(r *http.Request, err error) error {
	target := r.URL.String()
	if _, ok := r.URL.User.Password(); ok {
		target = strings.Replace(target, r.URL.User.String()+"@", r.URL.User.Username()+":***@", 1)
	}
	return &url.Error{Op: r.Method[:1] + strings.ToLower(r.Method[1:]), URL: target, Err: err}
}
