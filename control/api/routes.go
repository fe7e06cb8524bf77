package api

import (
	"net/http"
	"strconv"

	"github.com/hookstream/hookstream/control/auth"
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
}

// Routes lists every authenticated route.
func (s *Server) Routes() []Route {
	return []Route{
		{"POST", "/api/v1/webhooks", s.createWebhooks},
		{"GET", "/api/v1/webhooks", s.listWebhooks},
		{"GET", "/api/v1/webhooks/actions", s.listActions},
		{"POST", "/api/v1/webhooks/validate", s.validateEndpoint},
		{"GET", "/api/v1/webhooks/history", s.listHistory},
		{"POST", "/api/v1/webhooks/history/{id}/retry", s.retryAttempt},
		{"GET", "/api/v1/webhooks/{id}", s.getWebhook},
		{"PATCH", "/api/v1/webhooks/{id}", s.patchWebhook},
		{"DELETE", "/api/v1/webhooks/{id}", s.deleteWebhook},
		{"POST", "/api/v1/webhooks/{id}/test", s.testWebhook},
		{"POST", "/api/v1/webhooks/{id}/rotate-secret", s.rotateSecret},
		{"POST", "/api/v1/webhooks/{id}/replay", s.startReplay},
		{"GET", "/api/v1/webhooks/{id}/replay/{replayId}", s.getReplay},
		{"GET", "/api/v1/dead-letters", s.listDeadLetters},
		{"POST", "/api/v1/dead-letters/redrive", s.redriveDeadLetters},
	}
}

// OpenAPIPath serves the OpenAPI document, without a token.
const OpenAPIPath = "/api/v1/openapi.json"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	mux.HandleFunc("GET "+OpenAPIPath, serveOpenAPI)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFound("route "+r.Method+" "+r.URL.Path))
	})
	return mux
}

// wrap authenticates, refuses requests before the indexes are loaded,
// counts, and turns a panic into a 500 so none reaches the client raw.
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
