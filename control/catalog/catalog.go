// Package catalog is the event catalogue: every event type a webhook may
// subscribe to, with a description. It is data (actions.json, embedded, plus
// an operator's file), so a new event type needs no code.
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
)

// Wildcards subscribe to every event type; ALL_NOTIFICATIONS is Immuta's name.
const (
	All      = "*"
	AllAlias = "ALL_NOTIFICATIONS"
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
