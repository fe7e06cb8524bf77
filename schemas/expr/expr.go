// Package expr is hookstream's expression language (DESIGN §5): a webhook's
// `filter`, a CEL boolean expression over `event`, and its `template`, a CEL
// expression over `event` and `webhook` that builds the JSON body of
// `payloadFormat: "custom"`. The control API compiles both at save time, so a
// bad one is refused there; the router and the deliverer compile again from
// the stored text (once per index or cache entry) and evaluate under a cost
// limit, so no expression can stall routing or delivery.
//
// CEL is cel.dev/cel-go, the implementation Kubernetes uses for its
// admission policies; this package only declares the variables and sets
// the limits.
package expr

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// Limits of an expression.
const (
	// MaxLength is the longest expression saved, in bytes.
	MaxLength = 4096
	// FilterCostLimit bounds one evaluation of a filter, in CEL cost units
	// (about one per field access, comparison or list element visited):
	// far above what a selective filter spends, low enough that the
	// router's time per event stays bounded whatever a webhook wrote.
	FilterCostLimit = 10_000
	// TemplateCostLimit bounds one rendering of a template; it runs once
	// per delivery, not once per webhook and event, so it can afford more.
	TemplateCostLimit = 100_000
	// maxNesting bounds comprehensions (exists, map, all…) within one
	// another, whose cost multiplies.
	maxNesting = 2
)

// Variable names.
const (
	EventVar   = "event"
	WebhookVar = "webhook"
)

// Error is an expression that does not compile: the position (1-based
// line and column, 0 when unknown) and the reason.
type Error struct {
	Line, Column int
	Reason       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Reason)
}

// ErrCostLimit is returned (wrapped) by an evaluation that spent its cost
// limit.
var ErrCostLimit = errors.New("expression: cost limit exceeded")

// Compiler compiles filters and templates. It is safe for concurrent use.
type Compiler struct {
	filters, templates *cel.Env
}

// NewCompiler declares the variables. It fails only if the declarations
// themselves are wrong, which the package's tests would show.
func NewCompiler() (*Compiler, error) {
	common := []cel.EnvOption{
		ext.NativeTypes(ext.ParseStructTag("json"), reflect.TypeFor[Event](), reflect.TypeFor[Webhook]()),
		ext.Strings(),
		cel.Variable(EventVar, cel.ObjectType(typeName[Event]())),
		cel.ASTValidators(cel.ValidateComprehensionNestingLimit(maxNesting)),
		cel.ParserExpressionSizeLimit(MaxLength),
	}
	filters, err := cel.NewEnv(common...)
	if err != nil {
		return nil, fmt.Errorf("expression: filter environment: %w", err)
	}
	templates, err := filters.Extend(cel.Variable(WebhookVar, cel.ObjectType(typeName[Webhook]())))
	if err != nil {
		return nil, fmt.Errorf("expression: template environment: %w", err)
	}
	return &Compiler{filters: filters, templates: templates}, nil
}

// MustCompiler is NewCompiler for callers that hold no error path: its
// declarations are fixed, so it fails in this package's tests or never.
func MustCompiler() *Compiler {
	c, err := NewCompiler()
	if err != nil {
		panic(err)
	}
	return c
}

// typeName is the CEL name native types give a Go struct: package.Type.
func typeName[T any]() string {
	t := reflect.TypeFor[T]()
	return t.String()
}

// Filter is a compiled filter.
type Filter struct{ prg cel.Program }

// Filter compiles a filter: it must be a boolean expression over event.
func (c *Compiler) Filter(src string) (*Filter, error) {
	ast, err := compile(c.filters, src)
	if err != nil {
		return nil, err
	}
	if !ast.OutputType().IsExactType(types.BoolType) {
		return nil, &Error{Line: 1, Column: 1, Reason: fmt.Sprintf("a filter must be a boolean expression, this one is %s", ast.OutputType())}
	}
	prg, err := c.filters.Program(ast, cel.CostLimit(FilterCostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, &Error{Reason: err.Error()}
	}
	return &Filter{prg: prg}, nil
}

// Input is an event ready for filters: built once per event and shared by
// every filter it meets.
type Input struct{ act interpreter.Activation }

// NewInput prepares ev for filters.
func NewInput(ev *Event) *Input {
	act, _ := interpreter.NewActivation(map[string]any{EventVar: ev}) // a map is always a valid activation
	return &Input{act: act}
}

// Matches evaluates the filter on in. An error (a missing map key, a cost
// overrun) is returned, and the caller takes it as no match.
func (f *Filter) Matches(in *Input) (bool, error) {
	out, _, err := f.prg.Eval(in.act)
	if err != nil {
		return false, evalErr(err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("expression: filter gave %s, not a bool", out.Type())
	}
	return b, nil
}

func evalErr(err error) error {
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
		return fmt.Errorf("%w: %v", ErrCostLimit, err)
	}
	return fmt.Errorf("expression: %w", err)
}

// compile parses and type-checks src in env, within the length limit.
func compile(env *cel.Env, src string) (*cel.Ast, error) {
	switch {
	case strings.TrimSpace(src) == "":
		return nil, &Error{Reason: "is empty"}
	case len(src) > MaxLength:
		return nil, &Error{Reason: fmt.Sprintf("is %d bytes, longer than %d", len(src), MaxLength)}
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		errs := iss.Errors()
		if len(errs) == 0 {
			return nil, &Error{Reason: iss.Err().Error()}
		}
		first := errs[0]
		return nil, &Error{Line: first.Location.Line(), Column: first.Location.Column() + 1, Reason: first.Message}
	}
	return ast, nil
}
