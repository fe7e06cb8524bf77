package api

import (
	"net/http"
	"strconv"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/console"
)

// handlerFunc is a route's handler: it answers or returns an error, which
// becomes the JSON error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// Route is one method and path of the API; the OpenAPI document must list
// exactly these (a test keeps them equal).
type Route struct {
	Method  string
	Pattern string
	handle  handlerFunc
	// params are the query parameters the route takes; any other is a 400.
	params []string
}

// Routes lists every authenticated route.
func (s *Server) Routes() []Route {
	return []Route{
		{"POST", "/api/v1/webhooks", s.createWebhooks, createParams},
		{"GET", "/api/v1/webhooks", s.listWebhooks, listWebhooksParams},
		{"GET", "/api/v1/webhooks/actions", s.listActions, nil},
		{"POST", "/api/v1/webhooks/validate", s.validateEndpoint, nil},
		{"POST", "/api/v1/webhooks/explain", s.explainWebhooks, explainParams},
		{"POST", "/api/v1/webhooks/preview", s.previewWebhook, nil},
		{"GET", "/api/v1/webhooks/history", s.listHistory, historyParams},
		{"POST", retryPath, s.retryAttempt, nil},
		{"POST", retryPathImmuta, s.retryAttempt, nil},
		{"GET", "/api/v1/webhooks/{id}", s.getWebhook, nil},
		{"PATCH", "/api/v1/webhooks/{id}", s.patchWebhook, nil},
		{"DELETE", "/api/v1/webhooks/{id}", s.deleteWebhook, nil},
		{"POST", "/api/v1/webhooks/{id}/test", s.testWebhook, nil},
		{"POST", "/api/v1/webhooks/{id}/rotate-secret", s.rotateSecret, nil},
		{"POST", "/api/v1/webhooks/{id}/replay", s.startReplay, nil},
		{"GET", "/api/v1/webhooks/{id}/replay/{replayId}", s.getReplay, nil},
		{"GET", "/api/v1/dead-letters", s.listDeadLetters, deadLetterParams},
		{"POST", "/api/v1/dead-letters/redrive", s.redriveDeadLetters, nil},
	}
}

// The retry of a history record, in hookstream's order and in Immuta's.
const (
	retryPath       = "/api/v1/webhooks/history/{id}/retry"
	retryPathImmuta = "/api/v1/webhooks/history/retry/{id}"
)

// OpenAPIPath serves the OpenAPI document, without a token.
const OpenAPIPath = "/api/v1/openapi.json"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	retry := map[string]http.Handler{}
	for _, rt := range s.Routes() {
		if rt.Pattern == retryPath || rt.Pattern == retryPathImmuta {
			retry[rt.Pattern] = s.wrap(rt)
			continue
		}
		mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	mux.Handle("POST /api/v1/webhooks/history/{first}/{second}", s.eitherRetry(retry[retryPath], retry[retryPathImmuta]))
	mux.HandleFunc("GET "+OpenAPIPath, serveOpenAPI)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFound("route "+r.Method+" "+r.URL.Path))
	})
	// The web console, beside the API on the same address.
	mux.Handle("/", console.Handler())
	return mux
}

// eitherRetry serves both orders of the retry path under one pattern:
// ServeMux refuses the two side by side, as history/retry/retry matches
// both. That path is taken in hookstream's order, id "retry".
func (s *Server) eitherRetry(ours, immuta http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first, second := r.PathValue("first"), r.PathValue("second")
		switch {
		case second == "retry":
			r.SetPathValue("id", first)
			ours.ServeHTTP(w, r)
		case first == "retry":
			r.SetPathValue("id", second)
			immuta.ServeHTTP(w, r)
		default:
			s.writeError(w, r, notFound("route "+r.Method+" "+r.URL.Path))
		}
	})
}

// wrap authenticates, refuses unknown query parameters, refuses requests
// before the indexes are loaded, counts, and turns a panic into a 500 so
// none reaches the client raw.
func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("handler panic", "route", rt.Pattern, "panic", v)
				s.writeError(rec, r, &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the API's log"})
			}
			s.metrics.requests.WithLabelValues(rt.Method+" "+rt.Pattern, strconv.Itoa(rec.status)).Inc()
		}()
		p, ok := s.tokens.Authenticate(r)
		if !ok {
			rec.Header().Set("WWW-Authenticate", `Bearer realm="hookstream"`)
			s.writeError(rec, r, errUnauthorized)
			return
		}
		if err := checkParams(r, rt.params); err != nil {
			s.writeError(rec, r, err)
			return
		}
		select {
		case <-s.ready:
		default:
			s.writeError(rec, r, errNotReady)
			return
		}
		if err := rt.handle(rec, r, p); err != nil {
			s.writeError(rec, r, err)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
