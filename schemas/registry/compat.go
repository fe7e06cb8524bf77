package registry

import (
	"fmt"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// checkCompatible reports why candidate may not follow the existing versions
// (oldest first) under level, or nil when it may.
func checkCompatible(level sr.CompatibilityLevel, candidate string, existing []string) error {
	if len(existing) == 0 {
		return nil
	}
	var backward, forward, transitive bool
	switch level {
	case sr.CompatNone:
		return nil
	case sr.CompatBackward:
		backward = true
	case sr.CompatBackwardTransitive:
		backward, transitive = true, true
	case sr.CompatForward:
		forward = true
	case sr.CompatForwardTransitive:
		forward, transitive = true, true
	case sr.CompatFull:
		backward, forward = true, true
	case sr.CompatFullTransitive:
		backward, forward, transitive = true, true, true
	default:
		backward = true
	}
	against := existing[len(existing)-1:]
	if transitive {
		against = existing
	}
	cand, err := parse(candidate)
	if err != nil {
		return err
	}
	checker := avro.NewSchemaCompatibility()
	for _, old := range against {
		prev, err := parse(old)
		if err != nil {
			return err
		}
		if backward {
			if err := checker.Compatible(cand, prev); err != nil {
				return fmt.Errorf("new schema cannot read data written with an earlier one: %w", err)
			}
		}
		if forward {
			if err := checker.Compatible(prev, cand); err != nil {
				return fmt.Errorf("an earlier schema cannot read data written with the new one: %w", err)
			}
		}
	}
	return nil
}

// parse uses a fresh cache: two versions of one subject define the same names.
func parse(text string) (avro.Schema, error) {
	s, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	return s, nil
}
