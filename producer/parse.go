package producer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hookstream/hookstream/schemas"
)

// ParseMetadataLine decodes one JSON line in the field layout of DESIGN §4
// into a metadata-change event. It is strict, because a typo in a field name
// would otherwise be dropped silently and the event produced without it:
// unknown fields, values of the wrong type, anything after the object and
// input that is not an object are errors naming the field. Absent fields keep
// their zero value; the Client fills and validates them when the event is
// emitted.
func ParseMetadataLine(line []byte) (*schemas.MetadataChangeEvent, error) {
	var ev schemas.MetadataChangeEvent
	if err := parseStrict(line, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// ParseWorkflowLine is ParseMetadataLine for workflow-completion events.
func ParseWorkflowLine(line []byte) (*schemas.WorkflowCompletionEvent, error) {
	var ev schemas.WorkflowCompletionEvent
	if err := parseStrict(line, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

func parseStrict(line []byte, v any) error {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	// encoding/json would replace invalid UTF-8 with U+FFFD and produce
	// the event changed; the schema's strings are UTF-8, so it is refused.
	if !utf8.Valid(trimmed) {
		return fmt.Errorf("not valid UTF-8 (first bad byte at column %d)", firstInvalid(trimmed)+1)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err, trimmed, reflect.TypeOf(v).Elem())
	}
	if len(bytes.TrimSpace(trimmed[dec.InputOffset():])) > 0 {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// firstInvalid is the offset of b's first byte that is not valid UTF-8.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// describeJSONError turns encoding/json's errors into ones that name the
// field, as a person fixing the line needs.
func describeJSONError(err error, line []byte, t reflect.Type) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(object)"
		}
		return &ValidationError{Field: field, Message: fmt.Sprintf("want %s, have %s", jsonKind(typeErr.Type), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("invalid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json does not say where the unknown field is; find it.
		var raw any
		if json.Unmarshal(line, &raw) == nil {
			if path := unknownField("", raw, t); path != "" {
				return &ValidationError{Field: path, Message: "unknown field"}
			}
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	case err.Error() == "unexpected EOF":
		return errors.New("invalid JSON: unexpected end of line")
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// unknownField returns the JSON path of the first key of raw (in sorted order,
// so the answer is stable) that type t has no field for.
func unknownField(path string, raw any, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return ""
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			fields[strings.ToLower(name)] = f.Type
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := join(path, k)
			ft, ok := fields[strings.ToLower(k)]
			if !ok {
				return sub
			}
			if p := unknownField(sub, obj[k], ft); p != "" {
				return p
			}
		}
	case reflect.Slice:
		arr, ok := raw.([]any)
		if !ok {
			return ""
		}
		for i, item := range arr {
			if p := unknownField(fmt.Sprintf("%s[%d]", path, i), item, t.Elem()); p != "" {
				return p
			}
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}
