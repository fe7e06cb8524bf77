package webhook

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

// FuzzPatch drives PATCH with any document of either kind against a
// webhook whose credential header is kept in clear (a record from before
// headers were sealed, the case where the value is in the Subscription
// itself): it never panics, what it returns is JSON, and no patch, whatever
// its operations or pointer escapes, copies the credential's value out.
func FuzzPatch(f *testing.F) {
	for _, b := range []string{
		`[{"op":"replace","path":"/name","value":"n"}]`,
		`[{"op":"copy","from":"/headers/Authorization","path":"/description"}]`,
		`[{"op":"move","from":"/headers/Authorization","path":"/name"}]`,
		`[{"op":"test","path":"/headers/Authorization","value":"Bearer sekret-token"}]`,
		`[{"op":"copy","from":"/headers","path":"/description"}]`,
		`[{"op":"copy","from":"/headers/Authoriz~0ation","path":"/description"}]`,
		`{"headers":{"Authorization":null},"description":"x"}`,
		`{"name":"renamed"}`,
	} {
		f.Add(b, true)
		f.Add(b, false)
	}
	s := schemas.Subscription{ID: "wh_1", Name: "n", URL: "https://example.com/h",
		Headers: map[string]string{"Authorization": "Bearer sekret-token", "Accept": "text/csv"}}
	f.Fuzz(func(t *testing.T, body string, jsonPatch bool) {
		kind := MergePatch
		if jsonPatch {
			kind = JSONPatch
		}
		out, err := Patch(s, kind, []byte(body))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("patched document is not JSON: %q", out)
		}
		if bytes.Contains(out, []byte("sekret-token")) && !bytes.Contains([]byte(body), []byte("sekret-token")) {
			t.Fatalf("patch %q copied the credential out: %s", body, out)
		}
	})
}
