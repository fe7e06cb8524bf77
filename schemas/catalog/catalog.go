// Package catalog is the event catalogue: every event type a webhook may
// subscribe to, with a description. It is data (actions.json, embedded, plus
// an operator's file), so a new event type needs no code. It is the one list
// of event types: the producer accepts the metadata types it names, the API
// lets webhooks subscribe to them, and the router labels its metrics by them.
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
)

// Wildcards subscribe to every event type; ALL_NOTIFICATIONS is Immuta's name.
// OtherLabel is the metric label of an event type the catalogue does not
// name, so a stray type in a record cannot grow a metric without bound.
const (
	All      = "*"
	AllAlias = "ALL_NOTIFICATIONS"

	OtherLabel = "other"
)

// Categories of actions.
const (
	Metadata = "metadata"
	Workflow = "workflow"
	Wildcard = "wildcard"
)

// Action is one event type of the catalogue.
type Action struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	// Category is metadata, workflow or wildcard.
	Category string `json:"category"`
}

// Catalog is read-only after Load.
type Catalog struct {
	actions []Action
	known   map[string]bool
}

//go:embed actions.json
var builtin []byte

type file struct {
	Actions []Action `json:"actions"`
}

// Builtin is the embedded catalogue alone, for the producer and the router,
// which read no operator file. The embedded file is part of the binary and
// its test loads it, so it cannot fail to parse at run time.
func Builtin() *Catalog {
	c, err := Load("")
	if err != nil {
		panic(err)
	}
	return c
}

// Load returns the built-in catalogue plus the actions of extraFile (the
// same {"actions":[…]} shape), when it is not empty.
func Load(extraFile string) (*Catalog, error) {
	c := &Catalog{known: map[string]bool{}}
	if err := c.add(builtin, "built-in catalogue"); err != nil {
		return nil, err
	}
	if extraFile != "" {
		b, err := os.ReadFile(extraFile)
		if err != nil {
			return nil, fmt.Errorf("event catalogue: %w", err)
		}
		if err := c.add(b, extraFile); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Catalog) add(b []byte, source string) error {
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("event catalogue %s: %w", source, err)
	}
	for i, a := range f.Actions {
		if a.Type == "" {
			return fmt.Errorf("event catalogue %s: action %d has no type", source, i)
		}
		if c.known[a.Type] {
			continue
		}
		c.known[a.Type] = true
		c.actions = append(c.actions, a)
	}
	return nil
}

// Actions returns every action, wildcard first, in catalogue order.
func (c *Catalog) Actions() []Action { return c.actions }

// Known reports whether t may be subscribed to; the wildcard and its alias
// are known.
func (c *Catalog) Known(t string) bool { return t == AllAlias || c.known[t] }

// Types returns the event types of one category, in catalogue order.
func (c *Catalog) Types(category string) []string {
	var out []string
	for _, a := range c.actions {
		if a.Category == category {
			out = append(out, a.Type)
		}
	}
	return out
}

// Label is t when the catalogue names it as an event type (not a wildcard),
// else OtherLabel: a metric label from a bounded set.
func (c *Catalog) Label(t string) string {
	if c.known[t] && t != All {
		return t
	}
	return OtherLabel
}
