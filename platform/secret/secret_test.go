package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestGenerateSealOpen(t *testing.T) {
	s, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, Prefix) || len(KeyBytes(s)) != 32 {
		t.Fatalf("secret %q: key of %d bytes", s, len(KeyBytes(s)))
	}
	keyText, _ := NewKey()
	key, err := ParseKey(keyText)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := NewSealer(key)
	sealed, err := sealer.Seal(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(s)) || bytes.Contains(sealed, KeyBytes(s)) {
		t.Fatal("sealed text contains the secret")
	}
	if got, err := sealer.Open(sealed); err != nil || got != s {
		t.Fatalf("open: %q %v", got, err)
	}
	otherText, _ := NewKey()
	other, _ := ParseKey(otherText)
	wrong, _ := NewSealer(other)
	if _, err := wrong.Open(sealed); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key opened the secret: %v", err)
	}
	if got, err := sealer.Open(nil); err != nil || got != "" {
		t.Fatalf("empty: %q %v", got, err)
	}
}

func TestParseKeyRejectsShortKeys(t *testing.T) {
	for _, k := range []string{"", "abc", "c2hvcnQ=", strings.Repeat("ab", 16)} {
		if _, err := ParseKey(k); err == nil {
			t.Errorf("ParseKey(%q) accepted", k)
		}
	}
	if _, err := ParseKey(strings.Repeat("ab", 32)); err != nil {
		t.Errorf("hex key refused: %v", err)
	}
}

func TestKeyBytesOfPlainSecret(t *testing.T) {
	if got := string(KeyBytes("my-own-secret")); got != "my-own-secret" {
		t.Fatalf("got %q", got)
	}
}

func TestOpenHeaders(t *testing.T) {
	keyText, _ := NewKey()
	key, _ := ParseKey(keyText)
	sealer, _ := NewSealer(key)
	sealed, err := sealer.Seal("Bearer t0ken")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sealer.OpenHeaders(map[string]string{"Accept": "application/json", "Authorization": "stale"},
		map[string][]byte{"Authorization": sealed, "X-Empty": nil})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Accept": "application/json", "Authorization": "Bearer t0ken", "X-Empty": ""}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	otherText, _ := NewKey()
	other, _ := ParseKey(otherText)
	wrong, _ := NewSealer(other)
	_, err = wrong.OpenHeaders(nil, map[string][]byte{"Authorization": sealed})
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "Authorization") || strings.Contains(err.Error(), "t0ken") {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestCheckChosen(t *testing.T) {
	generated, _ := Generate()
	for _, c := range []struct {
		secret string
		ok     bool
	}{
		{generated, true},
		{"abcde", false},
		{strings.Repeat("a", 64), false},
		{strings.Repeat("abcdefg", 5), false},
		{"0123456789abcdef01234567", true},
		{"whsec_" + strings.Repeat("A", 40), false},      // decodes to zero bytes only
		{"whsec_c2hvcnQ=", false},                        // a 5-byte key
		{"whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3", true}, // 24 bytes
	} {
		if err := CheckChosen(c.secret); (err == nil) != c.ok {
			t.Errorf("CheckChosen(%q) = %v, want ok %v", c.secret, err, c.ok)
		}
	}
}
