package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/linkedin/goavro/v2"
)

//go:embed avro/*.avsc
var avroFiles embed.FS

// Namespace is the Avro namespace of every hookstream schema.
const Namespace = "io.hookstream"

// Schema is one self-contained Avro record schema.
type Schema struct {
	// Name is the record's short name, equal to its Go type's name.
	Name string
	// Text is the schema JSON with every referenced record inlined, as it is
	// registered: a registry client needs no schema references to read it.
	Text string
	// codec is goavro's, built to validate the schema; records are read
	// and written by the plans compiled from root, and the tests hold
	// those to codec.
	codec *goavro.Codec
	root  *node
}

// Set is every schema hookstream writes, by record name.
type Set struct {
	byName map[string]*Schema
}

// Load parses the embedded schemas. It fails only if a schema file is broken,
// which the package's tests rule out.
func Load() (*Set, error) {
	entries, err := avroFiles.ReadDir("avro")
	if err != nil {
		return nil, fmt.Errorf("read embedded schemas: %w", err)
	}
	raw := map[string]any{}
	for _, e := range entries {
		b, err := avroFiles.ReadFile(path.Join("avro", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name(), err)
		}
		var tree any
		if err := json.Unmarshal(b, &tree); err != nil {
			return nil, fmt.Errorf("parse %s: %w", e.Name(), err)
		}
		raw[strings.TrimSuffix(e.Name(), ".avsc")] = tree
	}
	set := &Set{byName: map[string]*Schema{}}
	for name, tree := range raw {
		inlined := inline(tree, raw, map[string]bool{name: true})
		s, err := newSchema(name, inlined)
		if err != nil {
			return nil, err
		}
		set.byName[name] = s
	}
	return set, nil
}

// MustLoad is Load for program start-up and tests, where the embedded schemas
// are known good.
func MustLoad() *Set {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

// Parse builds a Schema from schema text, for a writer schema fetched from the
// registry or an evolved schema in a test.
func Parse(text string) (*Schema, error) {
	var tree any
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	m, _ := tree.(map[string]any)
	name, _ := m["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("parse schema: not a named record")
	}
	return newSchema(name[strings.LastIndex(name, ".")+1:], tree)
}

func newSchema(name string, tree any) (*Schema, error) {
	text, err := json.Marshal(tree)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	codec, err := goavro.NewCodec(string(text))
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	root, err := parseNode(tree, Namespace, map[string]*node{})
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	return &Schema{Name: name, Text: string(text), codec: codec, root: root}, nil
}

// Get returns the schema of a record name, or nil.
func (s *Set) Get(name string) *Schema { return s.byName[name] }

// Names lists the record names, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// inline replaces a reference to a record defined in another file by that
// record's definition, the first time it appears (Avro allows a named type to
// be defined once per schema; later references by name stay names).
func inline(tree any, files map[string]any, defined map[string]bool) any {
	switch t := tree.(type) {
	case string:
		short := strings.TrimPrefix(t, Namespace+".")
		if def, ok := files[short]; ok && !defined[short] {
			defined[short] = true
			return inline(def, files, defined)
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			out[i] = inline(v, files, defined)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		if n, ok := t["name"].(string); ok && (t["type"] == "record") {
			defined[strings.TrimPrefix(n, Namespace+".")] = true
		}
		for k, v := range t {
			if k == "type" || k == "items" || k == "values" || k == "fields" {
				out[k] = inline(v, files, defined)
			} else {
				out[k] = v
			}
		}
		return out
	default:
		return t
	}
}
