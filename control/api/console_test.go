package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookstream/hookstream/control/console"
)

// TestConsoleBesideTheAPI: the console answers / and its assets with its
// CSP; everything under /api/ is still the API's, JSON errors included.
func TestConsoleBesideTheAPI(t *testing.T) {
	h := newOpenAPITestServer(t).Handler()
	serve := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	for _, p := range []string{"/", "/app.js", "/console.css"} {
		rec := serve("GET", p)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Security-Policy") != console.CSP {
			t.Errorf("GET %s: %d, CSP %q", p, rec.Code, rec.Header().Get("Content-Security-Policy"))
		}
	}
	for _, c := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/v1/webhooks", http.StatusUnauthorized, "unauthorized"},
		{"GET", "/api/v1/nope", http.StatusNotFound, "not_found"},
		{"GET", "/api/", http.StatusNotFound, "not_found"},
	} {
		rec := serve(c.method, c.path)
		var body struct {
			Error struct{ Code string } `json:"error"`
		}
		if rec.Code != c.status || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code != c.code {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, rec.Code, rec.Body.String(), c.status, c.code)
		}
		if rec.Header().Get("Content-Security-Policy") != "" {
			t.Errorf("%s %s carries the console's CSP", c.method, c.path)
		}
	}
	if rec := serve("GET", OpenAPIPath); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"openapi"`) {
		t.Errorf("GET %s: %d", OpenAPIPath, rec.Code)
	}
}
