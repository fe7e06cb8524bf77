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
