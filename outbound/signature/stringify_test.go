package signature

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// stringifyCases are bodies where Go's encoder and JSON.stringify differ.
var stringifyCases = []string{
	`{"a":"x \u0026 \u003cy\u003e","b":[1,2.50,-0,1e21,1E-7,123456789012345678901234,0.000001]}`,
	`{"z":1,"10":2,"9":3,"01":4,"a":{"4294967294":1,"4294967295":2}}`,
	`{"dup":1,"other":2,"dup":3}`,
	"{\"ctl\":\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\/ \u2028 é\"}",
	` [ true , false , null , "x" , {} , [] ] `,
	`1e400`,
	`"\ud800"`,
}

// TestStringifyMatchesNode compares Stringify with node's
// JSON.stringify(JSON.parse(text)) on the cases above. A lone surrogate
// escape is the one known difference (the decoder turns it into U+FFFD; no
// body hookstream renders holds one), so it is checked for what Go gives.
func TestStringifyMatchesNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skipf("node not installed: %v", err)
	}
	dir := t.TempDir()
	for i, c := range stringifyCases {
		got, err := Stringify([]byte(c))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if c == `"\ud800"` {
			if string(got) != "\"\uFFFD\"" {
				t.Fatalf("lone surrogate: %s", got)
			}
			continue
		}
		p := filepath.Join(dir, "case.json")
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		want, err := exec.Command("node", "-e",
			`process.stdout.write(JSON.stringify(JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))))`, p).Output()
		if err != nil {
			t.Fatalf("case %d: node: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("case %d %s:\n got %s\nwant %s", i, c, got, want)
		}
	}
}

func TestStringifyRefusesNonJSON(t *testing.T) {
	for _, c := range []string{``, `{`, `{"a":1} x`, `{"a" 1}`, `[1,]`} {
		if _, err := Stringify([]byte(c)); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
	if b, err := Body(Immuta, []byte("not json")); err == nil {
		t.Errorf("immuta body of non-JSON: %q", b)
	}
	if b, err := Body(Atomic, []byte("not json")); err != nil || string(b) != "not json" {
		t.Errorf("other schemes must send the body as rendered: %q, %v", b, err)
	}
}

// FuzzStringify: whatever JSON goes in, the output is JSON of the same
// value and a fixed point, as JSON.stringify(JSON.parse(x)) is.
func FuzzStringify(f *testing.F) {
	for _, c := range stringifyCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Stringify(in)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q for %q", out, in)
		}
		again, err := Stringify(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point: %q -> %q (%v)", out, again, err)
		}
	})
}
