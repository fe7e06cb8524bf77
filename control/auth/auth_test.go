package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseAndAuthenticate(t *testing.T) {
	tok := NewTokens()
	err := tok.Parse(strings.NewReader("# team tokens\n\nalice-token-0123456789 alice user\nroot-token-0123456789 ops admin\n"), "tokens")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		header string
		want   Principal
		ok     bool
	}{
		{"Bearer alice-token-0123456789", Principal{"alice", User}, true},
		{"bearer root-token-0123456789", Principal{"ops", Admin}, true},
		{"Bearer nope-token-0123456789", Principal{}, false},
		{"Basic alice-token-0123456789", Principal{}, false},
		{"", Principal{}, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", c.header)
		p, ok := tok.Authenticate(r)
		if ok != c.ok || p != c.want {
			t.Errorf("%q: got %v %v, want %v %v", c.header, p, ok, c.want, c.ok)
		}
	}
}

func TestParseReportsLineNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"ok-token-0123456789 a user\nbad line\n":  "tokens:2: want TOKEN USER ROLE",
		"\n\nok-token-0123456789 a root\n":        "tokens:3: role \"root\"",
		"short a admin\n":                         "tokens:1: token shorter",
		"# c\nok-token-0123456789 a user extra\n": "tokens:2: want TOKEN USER ROLE, got 4 fields",
	} {
		err := NewTokens().Parse(strings.NewReader(in), "tokens")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}
