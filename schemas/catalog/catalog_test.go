package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestBuiltinHasEveryDesignType(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range []string{"*", "ALL_NOTIFICATIONS", "entityCreated", "entityUpdated", "entitySoftDeleted",
		"entityDeleted", "customMetadataUpdated", "tagAdded", "tagRemoved", "workflowSucceeded", "workflowFailed",
		"policyUpdated", "modelAccessRequested"} {
		if !c.Known(ty) {
			t.Errorf("%s not in the catalogue", ty)
		}
	}
	if c.Known("entityCreate") {
		t.Error("a misspelt type is known")
	}
	for _, a := range c.Actions() {
		if a.Description == "" {
			t.Errorf("%s has no description", a.Type)
		}
	}
	if c.Actions()[0].Type != All {
		t.Errorf("first action is %q, want the wildcard", c.Actions()[0].Type)
	}
}

func TestExtraFileAddsTypes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "extra.json")
	if err := os.WriteFile(p, []byte(`{"actions":[{"type":"glossaryTermApproved","description":"A term is approved.","category":"metadata"},{"type":"entityCreated","description":"dup"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := Load("")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Known("glossaryTermApproved") || len(c.Actions()) != len(base.Actions())+1 {
		t.Fatalf("extra type not added once: %d actions", len(c.Actions()))
	}
	if err := os.WriteFile(p, []byte(`{"actions":[{"description":"no type"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil {
		t.Fatal("an action without a type was accepted")
	}
}

func TestTypesAndLabels(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	meta := c.Types(Metadata)
	for _, ty := range []string{"entityCreated", "tagRemoved", "policyUpdated"} {
		if !slices.Contains(meta, ty) {
			t.Errorf("%s is not a metadata type", ty)
		}
	}
	if got := c.Types(Workflow); !slices.Equal(got, []string{"workflowSucceeded", "workflowFailed"}) {
		t.Errorf("workflow types %v", got)
	}
	for ty, want := range map[string]string{"entityCreated": "entityCreated", "workflowFailed": "workflowFailed",
		"policyUpdated": "policyUpdated", "*": OtherLabel, "entityCreate": OtherLabel, "\xff": OtherLabel} {
		if got := c.Label(ty); got != want {
			t.Errorf("Label(%q) = %q, want %q", ty, got, want)
		}
	}
	for _, a := range c.Actions() {
		if a.Category != Metadata && a.Category != Workflow && a.Category != Wildcard {
			t.Errorf("%s has category %q", a.Type, a.Category)
		}
	}
}
