package expr

import (
	"encoding/json"
	"fmt"
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"google.golang.org/protobuf/types/known/structpb"
)

// Template is a compiled template.
type Template struct{ prg cel.Program }

// Template compiles a template: an expression over event and webhook whose
// value is a map, a list or a string (or dyn, checked when it renders).
func (c *Compiler) Template(src string) (*Template, error) {
	ast, err := compile(c.templates, src)
	if err != nil {
		return nil, err
	}
	switch out := ast.OutputType(); out.Kind() {
	case types.MapKind, types.ListKind, types.StringKind, types.DynKind:
	default:
		return nil, &Error{Line: 1, Column: 1, Reason: fmt.Sprintf("a template must build a map, a list or a string, this one is %s", out)}
	}
	prg, err := c.templates.Program(ast, cel.CostLimit(TemplateCostLimit))
	if err != nil {
		return nil, &Error{Reason: err.Error()}
	}
	return &Template{prg: prg}, nil
}

// Render evaluates the template for one event and returns its value as
// JSON. Map keys come out sorted, so the same event always renders the same
// bytes; numbers are JSON numbers (exact up to 2^53, which covers
// millisecond timestamps).
func (t *Template) Render(ev *Event, wh Webhook) ([]byte, error) {
	out, _, err := t.prg.Eval(map[string]any{EventVar: ev, WebhookVar: &wh})
	if err != nil {
		return nil, evalErr(err)
	}
	switch out.Type() {
	case types.MapType, types.ListType, types.StringType:
	default:
		return nil, fmt.Errorf("expression: template gave %s, not a map, a list or a string", out.Type())
	}
	v, err := out.ConvertToNative(reflect.TypeFor[*structpb.Value]())
	if err != nil {
		return nil, fmt.Errorf("expression: template value to JSON: %w", err)
	}
	b, err := json.Marshal(v.(*structpb.Value).AsInterface())
	if err != nil {
		return nil, fmt.Errorf("expression: template value to JSON: %w", err)
	}
	return b, nil
}
