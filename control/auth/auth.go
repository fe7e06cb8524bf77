// Package auth knows the API's bearer tokens: `TOKEN USER ROLE` lines of
// --tokens-file plus --admin-token. Admins see and manage every webhook,
// users only their own (Immuta's rule).
package auth

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Roles.
const (
	Admin = "admin"
	User  = "user"
)

// Principal is who a request acts as.
type Principal struct {
	User string
	Role string
}

// IsAdmin reports whether p manages every webhook.
func (p Principal) IsAdmin() bool { return p.Role == Admin }

// Tokens maps the SHA-256 of a token to its principal, so the map is not
// keyed by the secrets themselves.
type Tokens struct {
	byHash map[[32]byte]Principal
}

// NewTokens returns an empty set.
func NewTokens() *Tokens { return &Tokens{byHash: map[[32]byte]Principal{}} }

// Add admits token as p.
func (t *Tokens) Add(token string, p Principal) { t.byHash[sha256.Sum256([]byte(token))] = p }

// Len is the number of tokens.
func (t *Tokens) Len() int { return len(t.byHash) }

// Parse reads `TOKEN USER ROLE` lines; blank lines and lines starting with #
// are skipped. A bad line is reported with its number.
func (t *Tokens) Parse(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("%s:%d: want TOKEN USER ROLE, got %d fields", name, n, len(f))
		}
		if f[2] != Admin && f[2] != User {
			return fmt.Errorf("%s:%d: role %q: must be admin or user", name, n, f[2])
		}
		if len(f[0]) < 16 {
			return fmt.Errorf("%s:%d: token shorter than 16 characters", name, n)
		}
		t.Add(f[0], Principal{User: f[1], Role: f[2]})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Authenticate returns the principal of r's bearer token.
func (t *Tokens) Authenticate(r *http.Request) (Principal, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Principal{}, false
	}
	p, ok := t.byHash[sha256.Sum256([]byte(strings.TrimSpace(token)))]
	return p, ok
}
