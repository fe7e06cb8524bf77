package payload

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/expr"
)

// renderCustom is the webhook's template evaluated on each task's event
// (schemas/expr): its value as JSON, in an array when batched. An event
// the template fails on (a missing map key, the cost limit) fails the
// whole body; the deliverer dead-letters it with the reason, since a retry
// would fail the same way.
func renderCustom(w Webhook, tasks []schemas.DeliveryTask) ([]byte, error) {
	tpl, err := templates.get(w.Template)
	if err != nil {
		return nil, fmt.Errorf("payload: template: %w", err)
	}
	wh := expr.Webhook{ID: w.ID, Name: w.Name}
	return list(w.batched(len(tasks)), tasks, func(buf *bytes.Buffer, t *schemas.DeliveryTask) error {
		ev, err := expr.Decode(t.Event)
		if err != nil {
			return fmt.Errorf("payload: delivery %s: %w", t.DeliveryID, err)
		}
		b, err := tpl.Render(ev, wh)
		if err != nil {
			return fmt.Errorf("payload: delivery %s: template: %w", t.DeliveryID, err)
		}
		buf.Write(b)
		return nil
	})
}

// maxTemplates bounds the cache: more distinct templates than that in use
// at once only costs compiling again.
const maxTemplates = 1024

// templates is the one cache of compiled templates. It is package state,
// unlike the house rule, because it is a pure memo of compiling a text
// (no configuration, nothing a caller could want different) and Render is
// a plain function its callers share; it keeps a template from being
// compiled once per delivery.
var templates = &templateCache{byText: map[string]compiledTemplate{}}

type templateCache struct {
	once     sync.Once
	compiler *expr.Compiler

	mu     sync.Mutex
	byText map[string]compiledTemplate
}

type compiledTemplate struct {
	tpl *expr.Template
	err error
}

func (c *templateCache) get(src string) (*expr.Template, error) {
	c.once.Do(func() { c.compiler = expr.MustCompiler() })
	c.mu.Lock()
	ct, ok := c.byText[src]
	c.mu.Unlock()
	if ok {
		return ct.tpl, ct.err
	}
	tpl, err := c.compiler.Template(src)
	c.mu.Lock()
	if len(c.byText) >= maxTemplates {
		clear(c.byText) // crude, and rare: the working set refills it
	}
	c.byText[src] = compiledTemplate{tpl, err}
	c.mu.Unlock()
	return tpl, err
}

// CheckTemplate compiles a template as Render would, for a caller that
// checks one before saving it; the cache keeps it for the first delivery.
func CheckTemplate(src string) error {
	_, err := templates.get(src)
	return err
}
