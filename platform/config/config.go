// Package config parses a component's command line once: every flag has an
// environment twin, HOOKSTREAM_ followed by the flag name in upper case with
// dashes as underscores (--retry-tiers → HOOKSTREAM_RETRY_TIERS). A flag given
// on the command line wins over its twin.
package config

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// EnvName is the environment twin of a flag.
func EnvName(flagName string) string {
	return "HOOKSTREAM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args into fs, then fills each flag not on the command line
// from its environment twin, read through getenv (os.Getenv in main).
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s (twin of --%s): %w", EnvName(f.Name), f.Name, serr)
			}
		}
	})
	return err
}

// List is a flag value of items separated by commas or semicolons, for
// values that contain neither (hosts, addresses, CIDRs): Trifacta's lists
// are semicolon-separated, hookstream's comma-separated, and both work.
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

// Set replaces the list; empty items are dropped.
func (l *List) Set(s string) error {
	*l = nil
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// Repeated is a list flag whose every occurrence is one item, for values a
// separator could be part of (a regex may hold a comma: {1,2}). An item
// never spans lines, so one value of several lines (an environment twin
// holds only one value) is one item a line.
type Repeated []string

func (r *Repeated) String() string { return strings.Join(*r, "\n") }

// Set adds the value's non-empty lines.
func (r *Repeated) Set(s string) error {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			*r = append(*r, line)
		}
	}
	return nil
}

// Durations is a comma-separated list of Go durations, each positive.
type Durations []time.Duration

func (d *Durations) String() string {
	parts := make([]string, len(*d))
	for i, v := range *d {
		parts[i] = v.String()
	}
	return strings.Join(parts, ",")
}

// Set parses "1m,5m,15m".
func (d *Durations) Set(s string) error {
	var out []time.Duration
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		v, err := time.ParseDuration(item)
		if err != nil {
			return fmt.Errorf("%q is not a duration", item)
		}
		if v <= 0 {
			return fmt.Errorf("%q must be positive", item)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return fmt.Errorf("at least one duration is needed")
	}
	*d = out
	return nil
}
