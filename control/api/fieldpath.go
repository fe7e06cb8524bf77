package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// unknownFieldPath finds where the unknown field name, which encoding/json
// reports without its parents, sits in the JSON b decoded into v:
// "filters.bogus" rather than "bogus". It walks b along v's type the way
// the decoder matches fields (the json tag, else the field name; an exact
// match before a case-insensitive one) and returns the first object key,
// in sorted order at each level, that is name and matches no field. It
// returns name itself when it finds none.
func unknownFieldPath(b []byte, v any, name string) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return name
	}
	if p := findUnknown(doc, reflect.TypeOf(v), "", name); p != "" {
		return p
	}
	return name
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func findUnknown(doc any, t reflect.Type, at, name string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return "" // decoded by its own method: no fields to be unknown
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := doc.(map[string]any)
		if !ok {
			return ""
		}
		for _, k := range sortedKeys(obj) {
			ft, ok := structField(t, k)
			if !ok {
				if k == name {
					return join(at, k)
				}
				continue
			}
			if p := findUnknown(obj[k], ft, join(at, k), name); p != "" {
				return p
			}
		}
	case reflect.Map:
		obj, ok := doc.(map[string]any)
		if !ok {
			return ""
		}
		for _, k := range sortedKeys(obj) {
			if p := findUnknown(obj[k], t.Elem(), join(at, k), name); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := doc.([]any)
		if !ok {
			return ""
		}
		for i, item := range arr {
			if p := findUnknown(item, t.Elem(), at+"["+strconv.Itoa(i)+"]", name); p != "" {
				return p
			}
		}
	}
	return ""
}

// structField is the type of t's field that JSON key k decodes into.
func structField(t reflect.Type, k string) (reflect.Type, bool) {
	var folded reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if ft, ok := structField(et, k); ok {
					return ft, true
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == k {
			return f.Type, true
		}
		if folded == nil && strings.EqualFold(tag, k) {
			folded = f.Type
		}
	}
	return folded, folded != nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

// typeErrorPath is the path of a field of the wrong type, from a decoding
// into t, as the document spells it: encoding/json puts the names of
// embedded structs in its path (Spec.name for the name of an embedded
// Spec), though no key of the document carries them.
func typeErrorPath(t reflect.Type, field string) string {
	if field == "" {
		return ""
	}
	var out []string
	for _, seg := range strings.Split(field, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			t = t.Elem()
		}
		switch {
		case t == nil:
		case t.Kind() == reflect.Struct:
			if f, ok := t.FieldByName(seg); ok && f.Anonymous && len(f.Index) == 1 {
				t = f.Type
				continue
			}
			ft, ok := structField(t, seg)
			if !ok {
				ft = nil
			}
			t = ft
		case t.Kind() == reflect.Map:
			t = t.Elem()
		default:
			t = nil
		}
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}
