package schemas

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"time"
)

// encoder compiles the writing of a Go value of type t as n. The bytes are
// goavro's for the same value (the tests hold them equal), maps excepted:
// their entries come in Go's map order, as goavro's did.
func (c *compiler) encoder(n *node, t reflect.Type) encoder {
	switch n.kind {
	case "record":
		return c.recordEncoder(n, t)
	case "union":
		return c.unionEncoder(n, t)
	case "array":
		return c.arrayEncoder(n, t)
	case "map":
		return c.mapEncoder(n, t)
	}
	return primitiveEncoder(n, t)
}

// recordEncoder writes the writer schema's fields in its order: each from
// the Go field of its name, or, when the Go type has none, the field's
// default (written once, at compile time).
func (c *compiler) recordEncoder(n *node, t reflect.Type) encoder {
	st, ptr, ok := structOf(t)
	if !ok {
		return mismatchEncoder(n, t)
	}
	type step struct {
		name  string
		index int    // Go field, -1 to write fixed
		fixed []byte // the default's encoding
		err   error  // no Go field and no usable default
		p     *plan
	}
	idx := n.fieldIndexes(st)
	steps := make([]step, len(n.fields))
	for i, f := range n.fields {
		s := step{name: f.name, index: idx[i]}
		switch {
		case s.index >= 0:
			s.p = c.plan(f.typ, st.Field(s.index).Type)
		case !f.hasDefault:
			s.err = fmt.Errorf("record %s: Go type %s has no field for %s", n.name, st, f.name)
		default:
			s.fixed, s.err = appendDefault(nil, f.typ, f.def)
		}
		steps[i] = s
	}
	return func(b []byte, v reflect.Value) ([]byte, error) {
		if ptr {
			if v.IsNil() {
				return nil, fmt.Errorf("record %s: nil %s", n.name, t)
			}
			v = v.Elem()
		}
		for _, s := range steps {
			var err error
			switch {
			case s.err != nil:
				err = s.err
			case s.index < 0:
				b = append(b, s.fixed...)
			default:
				b, err = s.p.encode(b, v.Field(s.index))
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
		}
		return b, nil
	}
}

// unionEncoder writes a nil pointer, slice or map as the null branch when
// the union lists null before any other branch, and anything else as the
// first branch that is not null (through the pointer, for a pointer).
func (c *compiler) unionEncoder(n *node, t reflect.Type) encoder {
	null, other := -1, -1
	for i, b := range n.branches {
		switch {
		case b.kind == "null" && null < 0 && other < 0:
			null = i
		case b.kind != "null" && other < 0:
			other = i
		}
	}
	nillable := false
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		nillable = true
	}
	deref := t.Kind() == reflect.Pointer
	var bp *plan
	if other >= 0 {
		bt := t
		if deref {
			bt = t.Elem()
		}
		bp = c.plan(n.branches[other], bt)
	}
	return func(b []byte, v reflect.Value) ([]byte, error) {
		if null >= 0 && nillable && v.IsNil() {
			return appendLong(b, int64(null)), nil
		}
		if other < 0 {
			return nil, fmt.Errorf("union has no branch for %s", t)
		}
		if deref {
			if v.IsNil() {
				return nil, fmt.Errorf("union: nil %s, and no null branch before %s", t, n.branches[other].describe())
			}
			v = v.Elem()
		}
		return bp.encode(appendLong(b, int64(other)), v)
	}
}

// arrayEncoder writes a slice (nil is empty) as one block and the end
// mark, in blocks of at most maxBlockCount as goavro does.
func (c *compiler) arrayEncoder(n *node, t reflect.Type) encoder {
	if t.Kind() != reflect.Slice {
		return mismatchEncoder(n, t)
	}
	if t == stringSliceType && n.items.kind == "string" {
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var ss []string
			if v.CanAddr() {
				ss = *(v.Addr().Interface().(*[]string))
			} else {
				ss = v.Interface().([]string)
			}
			for chunk := range slices.Chunk(ss, maxBlockCount) {
				b = appendLong(b, int64(len(chunk)))
				for _, s := range chunk {
					b = appendString(b, s)
				}
			}
			return append(b, 0), nil
		}
	}
	item := c.plan(n.items, t.Elem())
	return func(b []byte, v reflect.Value) ([]byte, error) {
		l := v.Len()
		for i := 0; i < l; {
			block := min(l-i, maxBlockCount)
			b = appendLong(b, int64(block))
			for end := i + block; i < end; i++ {
				var err error
				if b, err = item.encode(b, v.Index(i)); err != nil {
					return nil, fmt.Errorf("item %d: %w", i, err)
				}
			}
		}
		return append(b, 0), nil
	}
}

// mapEncoder writes a map (nil is empty) as one block and the end mark.
func (c *compiler) mapEncoder(n *node, t reflect.Type) encoder {
	if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
		return mismatchEncoder(n, t)
	}
	if t == stringMapType && n.items.kind == "string" {
		return func(b []byte, v reflect.Value) ([]byte, error) {
			m := v.Interface().(map[string]string)
			if len(m) > 0 {
				b = appendLong(b, int64(len(m)))
				for k, s := range m {
					b = appendString(appendString(b, k), s)
				}
			}
			return append(b, 0), nil
		}
	}
	val := c.plan(n.items, t.Elem())
	return func(b []byte, v reflect.Value) ([]byte, error) {
		if v.Len() > 0 {
			b = appendLong(b, int64(v.Len()))
			var it reflect.MapIter
			it.Reset(v)
			for it.Next() {
				var err error
				b = appendString(b, it.Key().String())
				if b, err = val.encode(b, it.Value()); err != nil {
					return nil, fmt.Errorf("map value: %w", err)
				}
			}
		}
		return append(b, 0), nil
	}
}

// primitiveEncoder compiles the writing of t as a primitive, enum or
// fixed n. A time.Time is written only as a timestamp; an int64 as a
// timestamp is its unix milliseconds (or microseconds) as they are.
func primitiveEncoder(n *node, t reflect.Type) encoder {
	k := t.Kind()
	switch n.kind {
	case "boolean":
		if k == reflect.Bool {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				if v.Bool() {
					return append(b, 1), nil
				}
				return append(b, 0), nil
			}
		}
	case "int":
		if isIntKind(k) {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return appendLong(b, int64(int32(v.Int()))), nil
			}
		}
	case "long":
		switch {
		case t == timeType && n.logical == "timestamp-millis":
			return func(b []byte, v reflect.Value) ([]byte, error) {
				tm := timeOf(v)
				return appendLong(b, tm.Unix()*1e3+int64(tm.Nanosecond()/1e6)), nil
			}
		case t == timeType && n.logical == "timestamp-micros":
			return func(b []byte, v reflect.Value) ([]byte, error) {
				tm := timeOf(v)
				return appendLong(b, tm.Unix()*1e6+int64(tm.Nanosecond()/1e3)), nil
			}
		case isIntKind(k):
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return appendLong(b, v.Int()), nil
			}
		}
	case "float":
		if isFloatKind(k) {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v.Float()))), nil
			}
		}
	case "double":
		if isFloatKind(k) {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float())), nil
			}
		}
	case "string":
		if k == reflect.String {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				return appendString(b, v.String()), nil
			}
		}
	case "bytes":
		if isByteSlice(t) {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				by := v.Bytes()
				return append(appendLong(b, int64(len(by))), by...), nil
			}
		}
	case "enum":
		if k == reflect.String {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				i := slices.Index(n.symbols, v.String())
				if i < 0 {
					return nil, fmt.Errorf("enum %s has no symbol %q", n.name, v.String())
				}
				return appendLong(b, int64(i)), nil
			}
		}
	case "fixed":
		if isByteSlice(t) {
			return func(b []byte, v reflect.Value) ([]byte, error) {
				by := v.Bytes()
				if len(by) != n.size {
					return nil, fmt.Errorf("fixed %s of %d bytes, have %d", n.name, n.size, len(by))
				}
				return append(b, by...), nil
			}
		}
	}
	return mismatchEncoder(n, t)
}

// timeOf reads a time.Time without copying it into an interface (an
// allocation) when it can.
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *(v.Addr().Interface().(*time.Time))
	}
	return v.Interface().(time.Time)
}

// appendLong appends the zigzag varint of l.
func appendLong(b []byte, l int64) []byte {
	return binary.AppendUvarint(b, uint64(l<<1)^uint64(l>>63))
}

func appendString(b []byte, s string) []byte {
	return append(appendLong(b, int64(len(s))), s...)
}
