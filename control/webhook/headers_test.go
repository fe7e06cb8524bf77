package webhook

import (
	"testing"

	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/schemas"
)

func TestStoreHeadersSealsCredentialsAndKeepsPlaceholders(t *testing.T) {
	keyText, _ := secret.NewKey()
	key, _ := secret.ParseKey(keyText)
	sealer, _ := secret.NewSealer(key)
	var s schemas.Subscription
	if fe, err := StoreHeaders(&s, map[string]string{"Authorization": "Bearer a", "Accept": "text/csv", "X~Y": "t", "X-Empty": ""}, sealer); fe != nil || err != nil {
		t.Fatal(fe, err)
	}
	if len(s.Headers) != 1 || s.Headers["Accept"] != "text/csv" || len(s.SealedHeaders) != 3 {
		t.Fatalf("stored: clear %v, sealed %v", s.Headers, s.SealedHeaders)
	}
	if v := visibleHeaders(s); v["Authorization"] != "[redacted]" || v["X-Empty"] != "[redacted]" || v["Accept"] != "text/csv" {
		t.Errorf("visible: %v", v)
	}
	for ptr, hidden := range map[string]bool{
		"/headers/Authorization": true, "/headers/Authorization/x": true, "/headers/X~0Y": true, "/headers/X-Empty": true,
		"/headers/Accept": false, "/headers": false, "/headers/Nope": false, "/description": false, "": false,
	} {
		if _, got := hiddenPointer(s, ptr); got != hidden {
			t.Errorf("hiddenPointer(%q) = %v", ptr, got)
		}
	}
	sealed := s.SealedHeaders["Authorization"]
	if fe, err := StoreHeaders(&s, map[string]string{"Authorization": "[redacted]", "X-Empty": "[redacted]"}, sealer); fe != nil || err != nil {
		t.Fatal(fe, err)
	}
	opened, err := sealer.OpenHeaders(s.Headers, s.SealedHeaders)
	if err != nil || opened["Authorization"] != "Bearer a" || string(s.SealedHeaders["Authorization"]) != string(sealed) || len(opened) != 2 {
		t.Errorf("placeholders kept %v (%v)", opened, err)
	}
	if fe, _ := StoreHeaders(&s, map[string]string{"X-New": "[redacted]"}, sealer); fe == nil || fe.Field != "headers.X-New" {
		t.Errorf("a placeholder with nothing behind it: %v", fe)
	}
}
