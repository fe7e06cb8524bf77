package catalog

import (
	"testing"
)

// FuzzCatalogueFile drives the parser of an operator's catalogue file: it
// accepts the file or says why, never panics, and after it is accepted every
// action listed is known and listed once.
func FuzzCatalogueFile(f *testing.F) {
	f.Add([]byte(`{"actions":[{"type":"policyUpdated","description":"d","category":"metadata"}]}`))
	f.Add([]byte(`{"actions":[{"type":""}]}`))
	f.Add([]byte(`{"actions":[{"type":"entityCreated"},{"type":"entityCreated"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.add(b, "extra.json"); err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range c.Actions() {
			if seen[a.Type] {
				t.Fatalf("action %q listed twice", a.Type)
			}
			seen[a.Type] = true
			if !c.Known(a.Type) {
				t.Fatalf("listed action %q is not known", a.Type)
			}
		}
	})
}
