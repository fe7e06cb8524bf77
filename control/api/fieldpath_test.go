package api

import (
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/control/webhook"
)

func TestUnknownFieldPath(t *testing.T) {
	type inner struct {
		Tags []string `json:"tags"`
	}
	type Embedded struct {
		Shared string `json:"shared"`
	}
	type outer struct {
		Embedded
		Filters inner            `json:"filters"`
		Items   []inner          `json:"items"`
		ByName  map[string]inner `json:"byName"`
		At      time.Time        `json:"at"`
		Plain   string
		Skipped string `json:"-"`
	}
	for _, c := range []struct {
		body, name, want string
	}{
		{`{"bogus":1}`, "bogus", "bogus"},
		{`{"filters":{"tags":[],"bogus":1}}`, "bogus", "filters.bogus"},
		{`{"FILTERS":{"bogus":1}}`, "bogus", "FILTERS.bogus"}, // matched case-insensitively, as the decoder does
		{`{"items":[{"tags":[]},{"bogus":1}]}`, "bogus", "items[1].bogus"},
		{`{"byName":{"a":{"bogus":1}}}`, "bogus", "byName.a.bogus"},
		{`{"shared":"x","filters":{"bogus":1}}`, "bogus", "filters.bogus"},
		{`{"plain":"x","filters":{"bogus":1}}`, "bogus", "filters.bogus"},
		{`{"Skipped":"x"}`, "Skipped", "Skipped"},
		{`{"at":"2026-01-01T00:00:00Z","x":{"bogus":1}}`, "x", "x"},
		{`not json`, "bogus", "bogus"},
	} {
		if got := unknownFieldPath([]byte(c.body), &outer{}, c.name); got != c.want {
			t.Errorf("%s: %q, want %q", c.body, got, c.want)
		}
	}
	// The real spec, through decodeStrict.
	err := decodeStrict([]byte(`{"name":"x","filters":{"tags":[],"bogus":1}}`), &webhook.Spec{})
	if ae, ok := err.(*apiError); !ok || ae.Code != "unknown_field" || ae.Field != "filters.bogus" {
		t.Fatalf("decodeStrict: %v", err)
	}
}

// FuzzUnknownFieldPath: any body and name give a path that ends in the name,
// without a panic, for the webhook spec and the batch form.
func FuzzUnknownFieldPath(f *testing.F) {
	f.Add([]byte(`{"filters":{"tags":[],"bogus":1}}`), "bogus")
	f.Add([]byte(`{"webhooks":[{"filters":{"x":{"y":1}}}]}`), "x")
	f.Add([]byte(`{"headers":{"a":{"b":[1,{"c":2}]}}}`), "c")
	f.Add([]byte(`[[[[{}]]]]`), "")
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		for _, v := range []any{&webhook.Spec{}, &struct {
			Webhooks []webhook.Spec `json:"webhooks"`
		}{}} {
			if got := unknownFieldPath(body, v, name); !strings.HasSuffix(got, name) {
				t.Fatalf("%q in %q: path %q", name, body, got)
			}
		}
	})
}
