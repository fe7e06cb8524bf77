package schemas

import (
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/linkedin/goavro/v2"
)

// This file is the generic path the compiled codec replaced: Go values
// turned into goavro's native maps and back, goavro reading and writing
// the binary. It is the reference the codec is held to
// (codec_diff_test.go), kept as it was in production.

// referenceEncode is the Avro body the generic path wrote for v.
func referenceEncode(s *Schema, v reflect.Value) ([]byte, error) {
	native, err := toNative(s.root, v)
	if err != nil {
		return nil, err
	}
	return s.codec.BinaryFromNative(nil, native)
}

// referenceDecode is what the generic path did with an Avro body.
func referenceDecode(s *Schema, body []byte, v reflect.Value) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()
	native, rest, err := s.codec.NativeFromBinary(body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(rest))
	}
	if err := fromNative(s.root, native, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// toNative turns a Go value into goavro's native form for schema n.
func toNative(n *node, v reflect.Value) (any, error) {
	switch n.kind {
	case "record":
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return nil, fmt.Errorf("record %s: want a struct, have %s", n.name, v.Kind())
		}
		idx := n.fieldIndexes(v.Type())
		out := make(map[string]any, len(n.fields))
		for i, f := range n.fields {
			if idx[i] < 0 {
				if !f.hasDefault {
					return nil, fmt.Errorf("record %s: Go type %s has no field for %s", n.name, v.Type(), f.name)
				}
				out[f.name] = f.def
				continue
			}
			nv, err := toNative(f.typ, v.Field(idx[i]))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.name, err)
			}
			out[f.name] = nv
		}
		return out, nil
	case "union":
		empty := isNil(v)
		for _, b := range n.branches {
			if b.kind == "null" {
				if empty {
					return nil, nil
				}
				continue
			}
			if v.Kind() == reflect.Pointer {
				v = v.Elem()
			}
			nv, err := toNative(b, v)
			if err != nil {
				return nil, err
			}
			return goavro.Union(b.unionName(), nv), nil
		}
		return nil, fmt.Errorf("union has no branch for %s", v.Type())
	case "array":
		if v.Kind() != reflect.Slice {
			return nil, fmt.Errorf("array: want a slice, have %s", v.Kind())
		}
		out := make([]any, v.Len())
		for i := range out {
			nv, err := toNative(n.items, v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		return out, nil
	case "map":
		if v.Kind() != reflect.Map {
			return nil, fmt.Errorf("map: want a map, have %s", v.Kind())
		}
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			nv, err := toNative(n.items, iter.Value())
			if err != nil {
				return nil, err
			}
			out[iter.Key().String()] = nv
		}
		return out, nil
	case "long":
		if v.Type() == timeType {
			return v.Interface().(time.Time), nil
		}
		return v.Int(), nil
	case "int":
		return int32(v.Int()), nil
	case "double", "float":
		return v.Float(), nil
	case "boolean":
		return v.Bool(), nil
	case "string":
		return v.String(), nil
	case "bytes":
		if v.IsNil() {
			return []byte{}, nil
		}
		return v.Bytes(), nil
	}
	return nil, fmt.Errorf("unsupported Avro type %s", n.kind)
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// fromNative stores goavro's native value for schema n into the Go value v.
// A field the writer's schema lacks takes its default (the reader's side of
// BACKWARD compatibility); a field the Go type lacks is skipped.
func fromNative(n *node, native any, v reflect.Value) error {
	switch n.kind {
	case "record":
		m, ok := native.(map[string]any)
		if !ok {
			return fmt.Errorf("record %s: have %T", n.name, native)
		}
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		idx := n.fieldIndexes(v.Type())
		for i, f := range n.fields {
			if idx[i] < 0 {
				continue
			}
			val, present := m[f.name]
			if !present {
				val = defaultNative(f)
			}
			if err := fromNative(f.typ, val, v.Field(idx[i])); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		return nil
	case "union":
		if native == nil {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		um, ok := native.(map[string]any)
		if !ok || len(um) != 1 {
			return fmt.Errorf("union: have %T", native)
		}
		for _, b := range n.branches {
			if val, ok := um[b.unionName()]; ok {
				if v.Kind() == reflect.Pointer {
					p := reflect.New(v.Type().Elem())
					if err := fromNative(b, val, p.Elem()); err != nil {
						return err
					}
					v.Set(p)
					return nil
				}
				return fromNative(b, val, v)
			}
		}
		return fmt.Errorf("union: no branch matches")
	case "array":
		arr, ok := native.([]any)
		if !ok {
			return fmt.Errorf("array: have %T", native)
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, item := range arr {
			if err := fromNative(n.items, item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case "map":
		m, ok := native.(map[string]any)
		if !ok {
			return fmt.Errorf("map: have %T", native)
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, item := range m {
			if !utf8.ValidString(k) {
				return fmt.Errorf("map key: %w", errInvalidUTF8)
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := fromNative(n.items, item, ev); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		v.Set(out)
		return nil
	}
	return setPrimitive(n, native, v)
}

func setPrimitive(n *node, native any, v reflect.Value) error {
	switch x := native.(type) {
	case time.Time:
		switch {
		case v.Type() == timeType:
			v.Set(reflect.ValueOf(x))
		case v.Kind() == reflect.Int64:
			v.SetInt(x.UnixMilli())
		default:
			return fmt.Errorf("%s: time into %s", n.kind, v.Type())
		}
	case int64:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.UnixMilli(x).UTC()))
			return nil
		}
		v.SetInt(x)
	case int32:
		v.SetInt(int64(x))
	case float64:
		v.SetFloat(x)
	case float32:
		v.SetFloat(float64(x))
	case bool:
		v.SetBool(x)
	case string:
		if !utf8.ValidString(x) {
			return errInvalidUTF8
		}
		v.SetString(x)
	case []byte:
		v.SetBytes(x)
	default:
		return fmt.Errorf("%s: unexpected native %T", n.kind, native)
	}
	return nil
}

// defaultNative turns a field's JSON default into the native form fromNative
// reads.
func defaultNative(f field) any {
	switch d := f.def.(type) {
	case nil:
		return nil
	case float64:
		switch f.typ.kind {
		case "int":
			return int32(d)
		case "long":
			return int64(d)
		}
		return d
	case string:
		if f.typ.kind == "bytes" {
			// Avro writes a bytes default as a string of code points 0-255.
			b := make([]byte, 0, len(d))
			for _, r := range d {
				b = append(b, byte(r))
			}
			return b
		}
		return d
	case []any, map[string]any, bool:
		return d
	}
	return f.def
}
