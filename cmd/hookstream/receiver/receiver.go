// Package receiver is the HTTP side of `hookstream receive`: a local webhook
// endpoint that checks each delivery's signature the way a real receiver
// must, answers as the deliverer expects (204 accepted, 401 rejected), and
// prints what arrived so a developer can watch a webhook work end to end.
//
// It verifies with the deliverer's own signature package, so what it accepts
// is exactly what hookstream signs, and it keeps no state between requests.
package receiver

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
)

// MaxBody is the largest body read; a larger one is answered 413.
const MaxBody = 10 << 20

// Config is what a receiver checks deliveries against.
type Config struct {
	// Secrets are the webhook's signing secrets; any one of them verifies,
	// so both can be given during a rotation. None: every request is
	// accepted and printed as unsigned.
	Secrets []string
	// Scheme is the webhook's `signature` field; empty means standard.
	Scheme signature.Scheme
	// Tolerance bounds the age of a standard webhook-timestamp, in either
	// direction; zero means signature.DefaultTolerance.
	Tolerance time.Duration
}

// Handler verifies and prints every request it serves, one entry to out per
// request (written in one Write, and never two at once, so concurrent
// deliveries do not interleave). now is the clock timestamps are checked
// against; nil means time.Now.
func Handler(cfg Config, out io.Writer, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	if cfg.Scheme == "" {
		cfg.Scheme = signature.Standard
	}
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := now()
		body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		status, verdict := check(cfg, r, body, readErr, at)
		entry := format(at, r.Method, r.URL.RequestURI(), r.Header.Get(signature.HeaderID), verdict, body)
		mu.Lock()
		_, _ = out.Write(entry)
		mu.Unlock()
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		http.Error(w, verdict, status)
	})
}

// check decides the answer to one request and says why, in the words the
// printed entry and the response body share.
func check(cfg Config, r *http.Request, body []byte, readErr error, at time.Time) (int, string) {
	if readErr != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](readErr); ok {
			return http.StatusRequestEntityTooLarge, "REJECTED: body over 10 MiB"
		}
		return http.StatusBadRequest, "REJECTED: reading body: " + readErr.Error()
	}
	if len(cfg.Secrets) == 0 {
		return http.StatusNoContent, "unsigned (no --secret)"
	}
	if err := signature.VerifyScheme(cfg.Scheme, r.Header, body, cfg.Secrets, at, cfg.Tolerance); err != nil {
		return http.StatusUnauthorized, "REJECTED: " + strings.TrimPrefix(err.Error(), "signature: ")
	}
	return http.StatusNoContent, "verified " + string(cfg.Scheme)
}
