package console

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestIndexAndAssets(t *testing.T) {
	h := Handler()
	for _, c := range []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", `<script type="module" src="/app.js">`},
		{"/app.js", "text/javascript", "hashchange"},
		{"/api.js", "text/javascript", "Authorization"},
		{"/console.css", "text/css", "@media"},
	} {
		rec := get(t, h, "GET", c.path)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d", c.path, rec.Code)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, c.contentType) {
			t.Errorf("%s: Content-Type %q, want %s", c.path, ct, c.contentType)
		}
		if rec.Header().Get("Content-Security-Policy") != CSP {
			t.Errorf("%s: CSP %q", c.path, rec.Header().Get("Content-Security-Policy"))
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.path)
		}
		if !strings.Contains(rec.Body.String(), c.contains) {
			t.Errorf("%s does not contain %q", c.path, c.contains)
		}
	}
}

func TestCSPAllowsOnlyOwnAssets(t *testing.T) {
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(CSP, d) {
			t.Errorf("CSP %q lacks %q", CSP, d)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(CSP, bad) {
			t.Errorf("CSP %q allows %q", CSP, bad)
		}
	}
}

var inlineHandler = regexp.MustCompile(`\son[a-z]+\s*=`)

// TestNoInlineScriptOrHTMLSinks: the CSP forbids inline script, and no
// asset writes markup from data.
func TestNoInlineScriptOrHTMLSinks(t *testing.T) {
	entries, err := assets.ReadDir("assets")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := assets.ReadFile("assets/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.HasSuffix(e.Name(), ".html") && (strings.Contains(s, "<script>") || inlineHandler.MatchString(s)) {
			t.Errorf("%s has inline script", e.Name())
		}
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(s, sink) {
				t.Errorf("%s uses %s", e.Name(), sink)
			}
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/nope.js", "/index.html", "/assets/app.js", "/../console.go"} {
		if rec := get(t, h, "GET", p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	if rec := get(t, h, "POST", "/"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", rec.Code)
	}
}
