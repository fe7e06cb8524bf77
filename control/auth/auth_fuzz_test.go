package auth

import (
	"bufio"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseTokens drives the tokens-file parser with arbitrary text: it
// accepts the file or names the line it refused, never panics, and every
// token of an accepted file authenticates as the user and role written on
// its last line.
func FuzzParseTokens(f *testing.F) {
	f.Add("0123456789abcdef alice admin\n# comment\n\nfedcba9876543210 bob user\n")
	f.Add("short alice admin\n")
	f.Add("0123456789abcdef alice root\n")
	f.Add("0123456789abcdef alice\n")
	f.Add("0123456789abcdef alice admin\n0123456789abcdef bob user\n")
	f.Fuzz(func(t *testing.T, text string) {
		tokens := NewTokens()
		err := tokens.Parse(strings.NewReader(text), "tokens")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tokens:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		last := map[string]Principal{}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			f := strings.Fields(line)
			last[f[0]] = Principal{User: f[1], Role: f[2]}
		}
		if tokens.Len() != len(last) {
			t.Fatalf("%d tokens kept, the file names %d", tokens.Len(), len(last))
		}
		for token, want := range last {
			if strings.ContainsAny(token, "\r\n") {
				continue // cannot travel in a header
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+token)
			if got, ok := tokens.Authenticate(r); !ok || got != want {
				t.Fatalf("token of %v authenticates as %v, %v", want, got, ok)
			}
		}
	})
}
