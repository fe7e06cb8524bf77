package schemas

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
)

// appendDefault appends the encoding of a field's default (as JSON decodes
// it) for a Go type that lacks the field. It accepts what goavro accepted
// when the generic path handed it the raw default: numbers that fit,
// strings for bytes (their UTF-8 bytes, as goavro writes them), nil or a
// one-key {branch: value} object for a union.
func appendDefault(b []byte, n *node, def any) ([]byte, error) {
	switch n.kind {
	case "null":
		if def == nil {
			return b, nil
		}
	case "boolean":
		if d, ok := def.(bool); ok {
			if d {
				return append(b, 1), nil
			}
			return append(b, 0), nil
		}
	case "int":
		if d, ok := def.(float64); ok {
			if i := int32(d); float64(i) == d {
				return appendLong(b, int64(i)), nil
			}
		}
	case "long":
		if d, ok := def.(float64); ok {
			if i := int64(d); float64(i) == d {
				return appendLong(b, i), nil
			}
		}
	case "float":
		if d, ok := def.(float64); ok {
			return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(d))), nil
		}
	case "double":
		if d, ok := def.(float64); ok {
			return binary.LittleEndian.AppendUint64(b, math.Float64bits(d)), nil
		}
	case "string", "bytes":
		if d, ok := def.(string); ok {
			return appendString(b, d), nil
		}
	case "enum":
		if d, ok := def.(string); ok {
			if i := slices.Index(n.symbols, d); i >= 0 {
				return appendLong(b, int64(i)), nil
			}
		}
	case "fixed":
		if d, ok := def.(string); ok && len(d) == n.size {
			return append(b, d...), nil
		}
	case "array":
		if d, ok := def.([]any); ok {
			if len(d) > 0 {
				b = appendLong(b, int64(len(d)))
			}
			for i, item := range d {
				var err error
				if b, err = appendDefault(b, n.items, item); err != nil {
					return nil, fmt.Errorf("item %d: %w", i, err)
				}
			}
			return append(b, 0), nil
		}
	case "map":
		if d, ok := def.(map[string]any); ok {
			if len(d) > 0 {
				b = appendLong(b, int64(len(d)))
			}
			// Sorted so the compiled default is the same every time.
			for _, k := range slices.Sorted(maps.Keys(d)) {
				var err error
				if b, err = appendDefault(appendString(b, k), n.items, d[k]); err != nil {
					return nil, fmt.Errorf("map value %q: %w", k, err)
				}
			}
			return append(b, 0), nil
		}
	case "record":
		if d, ok := def.(map[string]any); ok {
			for _, f := range n.fields {
				v, present := d[f.name]
				if !present && !f.hasDefault {
					return nil, fmt.Errorf("record %s: default has no %s", n.name, f.name)
				}
				if !present {
					v = f.def
				}
				var err error
				if b, err = appendDefault(b, f.typ, v); err != nil {
					return nil, fmt.Errorf("%s: %w", f.name, err)
				}
			}
			return b, nil
		}
	case "union":
		return appendUnionDefault(b, n, def)
	}
	return nil, fmt.Errorf("default %v does not fit Avro %s", def, n.describe())
}

// appendUnionDefault writes nil as the null branch and {"name": value} as
// the branch of that name, as goavro took a union's native value.
func appendUnionDefault(b []byte, n *node, def any) ([]byte, error) {
	if def == nil {
		for i, br := range n.branches {
			if br.kind == "null" {
				return appendLong(b, int64(i)), nil
			}
		}
		return nil, fmt.Errorf("default null for a union without null")
	}
	if d, ok := def.(map[string]any); ok && len(d) == 1 {
		for name, v := range d {
			for i, br := range n.branches {
				if br.unionName() == name {
					return appendDefault(appendLong(b, int64(i)), br, v)
				}
			}
		}
	}
	return nil, fmt.Errorf("union default %v names no branch", def)
}
