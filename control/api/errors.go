package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookstream/hookstream/control/webhook"
	"github.com/hookstream/hookstream/platform/config"
)

// apiError is the body of every 4xx and 5xx: {"error":{"code","message","field"}}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// result is what the endpoint answered to the sample of a refused
	// validate, answered beside the error.
	result *probeResult
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(code, field, message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Field: field, Message: message}
}

func invalid(fe *webhook.FieldError) *apiError {
	return badRequest("invalid_field", fe.Field, fe.Field+" "+fe.Message)
}

var (
	errUnauthorized = &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "missing or unknown bearer token"}
	errNotReady     = &apiError{Status: http.StatusServiceUnavailable, Code: "starting", Message: "the API is loading its indexes; retry shortly"}
)

func notFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

func forbidden(field, message string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "forbidden", Field: field, Message: message}
}

// disabledBy is the refusal of what a platform setting turned off, naming
// the flag and its environment twin so the caller knows whom to ask.
func disabledBy(flagName, what string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "disabled", Message: fmt.Sprintf(
		"%s is turned off on this platform (--%s=false, %s)", what, flagName, config.EnvName(flagName))}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeError answers err; anything not an *apiError is a 500 whose detail
// goes to the log, not to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the API's log"}
	}
	writeJSON(w, ae.Status, errorBody{Error: ae, Result: ae.result})
}

type errorBody struct {
	Error  *apiError    `json:"error"`
	Result *probeResult `json:"result,omitempty"`
}
