package schemas

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// node is a parsed Avro type: what the compiled codec (codec_compile.go)
// needs to read and write Avro binary straight into and out of Go values.
type node struct {
	kind     string // record, array, map, union, enum, fixed, or a primitive
	logical  string
	name     string // full name, for named types
	fields   []field
	items    *node    // array items, map values
	branches []*node  // union
	symbols  []string // enum
	size     int      // fixed

	// plans caches, per Go type, the codec compiled for this node as the
	// root of a schema, so each (writer schema, Go type) pair is compiled
	// once whatever the number of records.
	plans sync.Map // reflect.Type -> *plan
}

type field struct {
	name       string
	typ        *node
	def        any
	hasDefault bool
}

// unionName is the name goavro gives a union branch.
func (n *node) unionName() string {
	switch {
	case n.name != "":
		return n.name
	case n.logical != "" && (n.kind == "long" || n.kind == "int"):
		return n.kind + "." + n.logical
	default:
		return n.kind
	}
}

func parseNode(tree any, ns string, named map[string]*node) (*node, error) {
	switch t := tree.(type) {
	case string:
		switch t {
		case "null", "boolean", "int", "long", "float", "double", "bytes", "string":
			return &node{kind: t}, nil
		}
		full := t
		if !strings.Contains(t, ".") {
			full = ns + "." + t
		}
		if n, ok := named[full]; ok {
			return n, nil
		}
		return nil, fmt.Errorf("unknown type %q", t)
	case []any:
		n := &node{kind: "union"}
		for _, b := range t {
			bn, err := parseNode(b, ns, named)
			if err != nil {
				return nil, err
			}
			n.branches = append(n.branches, bn)
		}
		return n, nil
	case map[string]any:
		kind, _ := t["type"].(string)
		if kind == "" {
			// {"type": {...}} or {"type": [...]}: a wrapped complex type.
			return parseNode(t["type"], ns, named)
		}
		logical, _ := t["logicalType"].(string)
		switch kind {
		case "record", "enum", "fixed":
			name, _ := t["name"].(string)
			if space, ok := t["namespace"].(string); ok && space != "" {
				ns = space
			}
			if !strings.Contains(name, ".") {
				name = ns + "." + name
			}
			n := &node{kind: kind, name: name}
			named[name] = n
			switch kind {
			case "enum":
				syms, _ := t["symbols"].([]any)
				for _, s := range syms {
					str, _ := s.(string)
					n.symbols = append(n.symbols, str)
				}
				return n, nil
			case "fixed":
				size, _ := t["size"].(float64)
				n.size = int(size)
				return n, nil
			}
			fs, _ := t["fields"].([]any)
			for _, f := range fs {
				fm, _ := f.(map[string]any)
				fname, _ := fm["name"].(string)
				ft, err := parseNode(fm["type"], ns, named)
				if err != nil {
					return nil, fmt.Errorf("field %s: %w", fname, err)
				}
				def, hasDef := fm["default"]
				n.fields = append(n.fields, field{name: fname, typ: ft, def: def, hasDefault: hasDef})
			}
			return n, nil
		case "array":
			items, err := parseNode(t["items"], ns, named)
			if err != nil {
				return nil, err
			}
			return &node{kind: "array", items: items}, nil
		case "map":
			values, err := parseNode(t["values"], ns, named)
			if err != nil {
				return nil, err
			}
			return &node{kind: "map", items: values}, nil
		default:
			n, err := parseNode(kind, ns, named)
			if err != nil {
				return nil, err
			}
			if logical == "" {
				return n, nil
			}
			return &node{kind: n.kind, logical: logical}, nil
		}
	}
	return nil, fmt.Errorf("unsupported schema element %T", tree)
}

// fieldIndexes maps each schema field of a record to its Go struct field by
// the `avro` tag (-1 when the struct has none): schema resolution is by
// field name. Callers cache the result (a compiled plan holds it).
func (n *node) fieldIndexes(t reflect.Type) []int {
	byTag := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("avro"); tag != "" {
			byTag[tag] = i
		}
	}
	idx := make([]int, len(n.fields))
	for i, f := range n.fields {
		j, ok := byTag[f.name]
		if !ok {
			j = -1
		}
		idx[i] = j
	}
	return idx
}
