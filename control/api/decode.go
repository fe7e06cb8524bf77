package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// maxBody is the largest request body read.
const maxBody = 1 << 20

// readBody reads at most maxBody bytes of r's body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, badRequest("body_too_large", "", fmt.Sprintf("the request body is larger than %d bytes", maxBody))
	}
	if err != nil {
		return nil, badRequest("unreadable_body", "", "could not read the request body: "+err.Error())
	}
	return b, nil
}

// decodeStrict decodes one JSON value into v: unknown fields, wrong types,
// truncated JSON and trailing data are 400s naming the field.
func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("empty_body", "", "the request body is empty; a JSON object is required")
	}
	// encoding/json would replace invalid UTF-8 with U+FFFD and save the
	// value changed.
	if !utf8.Valid(b) {
		return badRequest("malformed_json", "", "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, b, v)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("malformed_json", "", "unexpected data after the JSON value")
	}
	return nil
}

// jsonError turns a decoding error of b into v into a 400 naming the field.
func jsonError(err error, b []byte, v any) error {
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		field := typeErrorPath(reflect.TypeOf(v), typeErr.Field)
		return badRequest("invalid_type", field, fmt.Sprintf("%s must be %s, not %s", orBody(field), jsonType(typeErr.Type.Kind().String()), typeErr.Value))
	case errors.As(err, &syntaxErr):
		return badRequest("malformed_json", "", fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("malformed_json", "", "the JSON body is truncated")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		path := unknownFieldPath(b, v, strings.Trim(name, `"`))
		return badRequest("unknown_field", path, fmt.Sprintf("unknown field %q", path))
	}
	return badRequest("malformed_json", "", err.Error())
}

func orBody(field string) string {
	if field == "" {
		return "the body"
	}
	return field
}

func jsonType(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "ptr":
		return "a value of another type"
	}
	return "a number"
}
