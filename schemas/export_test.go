package schemas

import "reflect"

// Hooks for the external tests: the compiled codec and the generic path
// it replaced, on an Avro body without the wire header. CodecDecode has
// no recover, so a fuzz target sees a panic as one.

func CodecEncode(s *Schema, v any) ([]byte, error) {
	rv := derefValue(v)
	return s.root.planFor(rv.Type()).encode(nil, rv)
}

func CodecDecode(s *Schema, body []byte, v any) error {
	rv := reflect.ValueOf(v).Elem()
	return decodeBody(s.root.planFor(rv.Type()), body, rv)
}

func ReferenceEncode(s *Schema, v any) ([]byte, error) { return referenceEncode(s, derefValue(v)) }

func ReferenceDecode(s *Schema, body []byte, v any) error {
	return referenceDecode(s, body, reflect.ValueOf(v).Elem())
}

// ReferenceNative is goavro's native form of body, to compare two
// encodings whose maps list their entries in different orders.
func ReferenceNative(s *Schema, body []byte) (any, error) {
	native, _, err := s.codec.NativeFromBinary(body)
	return native, err
}

func derefValue(v any) reflect.Value {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	return rv
}
