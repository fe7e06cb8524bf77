package expr

import (
	"errors"
	"testing"
)

// FuzzExpressions: any text either fails to compile with an *Error, or
// compiles and evaluates (or fails to) on an event without panicking.
func FuzzExpressions(f *testing.F) {
	for _, src := range []string{
		`event.entity.type == "table" && "PII.Sensitive" in event.entity.tags`,
		`event.changeDescription.fieldsUpdated.exists(f, f.name == "owner")`,
		`event.entity.customMetadata["cardTemplateId"] == "1"`,
		`{"text": event.entity.name + " changed", "hook": webhook.name}`,
		`event.entity.tags.map(t, t + t)`, `event.failedSteps.all(a, event.failedSteps.all(b, a != b))`,
		`1 / 0 == 1`, `"a".matches("(")`, `[1, 2, 3][5] == 1`, `event.entity.`,
	} {
		f.Add(src)
	}
	c := MustCompiler()
	f.Fuzz(func(t *testing.T, src string) {
		var e *Error
		flt, err := c.Filter(src)
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("filter %q: %v is not an *Error", src, err)
		}
		if err == nil {
			_, _ = flt.Matches(NewInput(table()))
			_, _ = flt.Matches(NewInput(workflow()))
		}
		tpl, err := c.Template(src)
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("template %q: %v is not an *Error", src, err)
		}
		if err == nil {
			_, _ = tpl.Render(table(), Webhook{ID: "w"})
		}
	})
}
