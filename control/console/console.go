// Package console is the web console: plain HTML, CSS and JavaScript,
// embedded in the binary so it works offline and needs no build step. It
// talks to the control API with the token the user signs in with, kept in
// the tab's sessionStorage only.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
)

//go:embed assets
var assets embed.FS

// CSP allows the console's own files and the API on the same origin, and
// nothing inline: every payload is shown as text, and should one ever be
// shown as HTML its script would not run.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// Handler serves index.html at / and the other assets by name; anything
// else is a 404.
func Handler() http.Handler {
	files, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	static := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := path.Clean(r.URL.Path)
		if name == "/index.html" {
			// FileServer would redirect it to /; say what is there instead.
			http.NotFound(w, r)
			return
		}
		if name != "/" {
			if st, err := fs.Stat(files, name[1:]); err != nil || st.IsDir() {
				http.NotFound(w, r)
				return
			}
		}
		static.ServeHTTP(w, r)
	})
}
