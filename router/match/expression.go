package match

import (
	"errors"
	"sync"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas/expr"
)

// Reasons a filter expression failed, the label values of the router's
// metric.
const (
	FailCompile    = "compile"
	FailEvaluation = "evaluation"
	FailCost       = "cost"
)

// FilterError is a webhook's filter expression that failed: it did not
// compile (a record saved by an older or newer version) or its evaluation
// failed or ran out of cost. The webhook then matches nothing, for that
// event or (compile) at all.
type FilterError struct {
	WebhookID string
	// Reason is FailCompile, FailEvaluation or FailCost.
	Reason string
	Err    error
	// First is true the first time this webhook fails, so a caller logs
	// once per webhook, not once per event.
	First bool
}

// Programs compiles the filter expressions of the webhooks it indexes and
// keeps them from one Build to the next, so a rebuild after one change to
// the subscription table compiles one expression, not all of them. Build
// is not safe for concurrent use; the indexes it returns are.
type Programs struct {
	compiler *expr.Compiler
	onError  func(FilterError)
	byText   map[string]program

	mu       sync.Mutex
	reported map[string]bool // webhook ids whose failure was reported as First
}

type program struct {
	filter *expr.Filter
	err    error
}

// NewPrograms returns an empty cache. onError, which may be nil, hears of
// every failed expression; it must be safe for concurrent use when indexes
// are matched concurrently.
func NewPrograms(c *expr.Compiler, onError func(FilterError)) *Programs {
	if c == nil {
		c = expr.MustCompiler()
	}
	return &Programs{compiler: c, onError: onError, byText: map[string]program{}, reported: map[string]bool{}}
}

// Build indexes every deliverable webhook, compiling the filter
// expressions not compiled before and forgetting those no longer used.
func (p *Programs) Build(webhooks []subscription.Webhook) *Index {
	used := make(map[string]program, len(p.byText))
	indexed := make(set, len(webhooks))
	ix := &Index{byType: map[string]*bucket{}}
	for i := range webhooks {
		w := &webhooks[i]
		if !w.Deliverable() {
			continue
		}
		indexed[w.ID] = struct{}{}
		f := compile(w.ID, &w.Subscription)
		if src := w.Filter; src != "" {
			prg, ok := used[src]
			if !ok {
				if prg, ok = p.byText[src]; !ok {
					flt, err := p.compiler.Filter(src)
					prg = program{filter: flt, err: err}
				}
				used[src] = prg
			}
			f.expr, f.broken, f.programs = prg.filter, prg.err != nil, p
			if prg.err != nil {
				p.report(w.ID, FailCompile, prg.err)
			}
		}
		ix.add(f, &w.Subscription)
	}
	p.byText = used
	p.mu.Lock()
	for id := range p.reported {
		if !indexed.has(id) {
			delete(p.reported, id)
		}
	}
	p.mu.Unlock()
	return ix
}

func (p *Programs) report(webhookID, reason string, err error) {
	if p.onError == nil {
		return
	}
	p.mu.Lock()
	first := !p.reported[webhookID]
	p.reported[webhookID] = true
	p.mu.Unlock()
	p.onError(FilterError{WebhookID: webhookID, Reason: reason, Err: err, First: first})
}

// evaluate runs f's expression on ev: a failure is no match, reported.
func (f *filter) evaluate(ev *Event) bool {
	if f.broken {
		return false
	}
	ok, err := f.expr.Matches(ev.input())
	if err != nil {
		reason := FailEvaluation
		if errors.Is(err, expr.ErrCostLimit) {
			reason = FailCost
		}
		f.programs.report(f.webhookID, reason, err)
		return false
	}
	return ok
}
