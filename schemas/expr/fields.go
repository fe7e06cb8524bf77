package expr

import (
	"reflect"
	"strings"

	"github.com/hookstream/hookstream/schemas/catalog"
)

// Field is one field an expression can read, for the catalogue.
type Field struct {
	// Path is the field as written after `event.`; the elements of a list
	// of objects are written `list[]`, as in `changeDescription.fieldsUpdated[].name`
	// (in an expression: `event.changeDescription.fieldsUpdated.exists(f, f.name == "owner")`).
	Path string `json:"path"`
	// Type is the CEL type: string, int, bool, list(string), map(string, string), list(object), object.
	Type string `json:"type"`
}

// Fields returns the fields of each event kind, catalog.Metadata and catalog.Workflow,
// in declaration order. A field of the other kind is there too, empty.
func Fields() map[string][]Field {
	out := map[string][]Field{}
	ev := reflect.TypeFor[Event]()
	for i := range ev.NumField() {
		f := ev.Field(i)
		if f.Anonymous { // the workflow event: its fields are promoted
			for j := range f.Type.NumField() {
				wf := f.Type.Field(j)
				kinds := []string{catalog.Workflow}
				if jsonName(wf) == "eventId" {
					kinds = append(kinds, catalog.Metadata)
				}
				for _, k := range kinds {
					out[k] = appendField(out[k], "", wf)
				}
			}
			continue
		}
		kinds := []string{catalog.Metadata}
		if jsonName(f) == "eventType" {
			kinds = append(kinds, catalog.Workflow)
		}
		for _, k := range kinds {
			out[k] = appendField(out[k], "", f)
		}
	}
	// eventId and eventType lead both lists, as they lead the events.
	for k, fs := range out {
		out[k] = leading(fs, "eventId", "eventType")
	}
	return out
}

func appendField(dst []Field, prefix string, f reflect.StructField) []Field {
	path := prefix + jsonName(f)
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	dst = append(dst, Field{Path: path, Type: celType(t)})
	switch {
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			dst = appendField(dst, path+".", t.Field(i))
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		for i := range t.Elem().NumField() {
			dst = appendField(dst, path+"[].", t.Elem().Field(i))
		}
	}
	return dst
}

func celType(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "int"
	case reflect.Float64:
		return "double"
	case reflect.Slice:
		return "list(" + celType(t.Elem()) + ")"
	case reflect.Map:
		return "map(" + celType(t.Key()) + ", " + celType(t.Elem()) + ")"
	}
	return "object"
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func leading(fs []Field, first ...string) []Field {
	out := make([]Field, 0, len(fs))
	for _, name := range first {
		for _, f := range fs {
			if f.Path == name {
				out = append(out, f)
			}
		}
	}
	for _, f := range fs {
		if !contains(first, f.Path) {
			out = append(out, f)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
