package payload

import (
	"encoding/json"
	"testing"

	fastjson "github.com/segmentio/encoding/json"
)

// FuzzValidMatchesStd holds eventObject's validator to encoding/json's
// verdict: the faster one may not accept or refuse anything the standard
// library does not.
func FuzzValidMatchesStd(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `[1,2`, `{"a":"\u00"}`, "{\"a\":\"\xff\"}", `1e5`, ` {"a" : [true,false,null]} `,
		`{"a":01}`, `{"a":-0.5E+3}`, "{\"a\":\"\x01\"}", `"\ud800"`, `{"a":1}x`, `{"a":1,}`, `{"a"}`, ``,
		`{"eventType":"ENTITY_UPDATED","entity":{"name":"orders","tags":["PII.Sensitive"]},"previousVersion":0.3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if std, got := json.Valid(b), fastjson.Valid(b); got != std {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, std)
		}
	})
}
