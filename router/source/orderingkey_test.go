package source

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookstream/hookstream/schemas"
)

// TestOrderingKey: a key that fits and is UTF-8 is kept as it is; a long
// or non-UTF-8 one becomes its hash, which tells keys apart as well and is
// a valid Avro string (the fuzzer found a task that did not decode).
func TestOrderingKey(t *testing.T) {
	if got := OrderingKey([]byte("ent-42")); got != "ent-42" {
		t.Errorf("plain key: %q", got)
	}
	long := []byte(strings.Repeat("k", schemas.MaxIDBytes+1))
	bad, bad2 := []byte{'k', 0xff}, []byte{'k', 0xfe}
	for _, k := range [][]byte{long, bad} {
		got := OrderingKey(k)
		if !strings.HasPrefix(got, "sha256:") || !utf8.ValidString(got) || len(got) > schemas.MaxIDBytes {
			t.Errorf("key %q: ordering key %q", k[:2], got)
		}
	}
	if OrderingKey(bad) == OrderingKey(bad2) {
		t.Error("two keys share an ordering key")
	}
}
