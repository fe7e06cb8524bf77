package schemas

import (
	"errors"
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"
)

// errInvalidUTF8: Avro strings are UTF-8 by specification. A string that is
// not is refused rather than repaired, so nothing downstream (metric labels,
// JSON payloads, logs) ever meets it or silently changes it. Only strings
// the Go type keeps are checked: a field it lacks is read past unchecked.
var errInvalidUTF8 = errors.New("string is not valid UTF-8")

// decodeBody reads one record of p's schema from body into v; bytes left
// over are malformed.
func decodeBody(p *plan, body []byte, v reflect.Value) error {
	r := reader{buf: body}
	if err := p.decode(&r, v); err != nil {
		return err
	}
	if r.left() != 0 {
		return fmt.Errorf("%d trailing bytes", r.left())
	}
	return nil
}

// decoder compiles the reading of n into a Go value of type t.
func (c *compiler) decoder(n *node, t reflect.Type) decoder {
	switch n.kind {
	case "record":
		return c.recordDecoder(n, t)
	case "union":
		return c.unionDecoder(n, t)
	case "array":
		return c.arrayDecoder(n, t)
	case "map":
		return c.mapDecoder(n, t)
	}
	return primitiveDecoder(n, t)
}

// recordDecoder matches the writer's fields to the Go struct's by name:
// a field the Go type lacks is read past, a Go field the writer lacks is
// left as it is (zero in a fresh value).
func (c *compiler) recordDecoder(n *node, t reflect.Type) decoder {
	st, ptr, ok := structOf(t)
	if !ok {
		return mismatchDecoder(n, t)
	}
	type step struct {
		name  string
		index int // Go field, -1 to skip
		p     *plan
	}
	idx := n.fieldIndexes(st)
	steps := make([]step, len(n.fields))
	for i, f := range n.fields {
		switch {
		case idx[i] < 0:
			steps[i] = step{f.name, -1, c.plan(f.typ, nil)}
		case !st.Field(idx[i]).IsExported():
			ft := st.Field(idx[i]).Type
			steps[i] = step{f.name, idx[i], &plan{decode: mismatchDecoder(f.typ, ft)}}
		default:
			steps[i] = step{f.name, idx[i], c.plan(f.typ, st.Field(idx[i]).Type)}
		}
	}
	return func(r *reader, v reflect.Value) error {
		if ptr {
			if v.IsNil() {
				v.Set(reflect.New(st))
			}
			v = v.Elem()
		}
		for _, s := range steps {
			var fv reflect.Value
			if s.index >= 0 {
				fv = v.Field(s.index)
			}
			if err := s.p.decode(r, fv); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
		return nil
	}
}

// unionDecoder reads the branch index and that branch. A null branch
// stores the zero value (nil for a pointer); a Go pointer gets a fresh
// value for any other branch.
func (c *compiler) unionDecoder(n *node, t reflect.Type) decoder {
	ptr := t.Kind() == reflect.Pointer
	bt := t
	if ptr {
		bt = t.Elem()
	}
	branches := make([]*plan, len(n.branches)) // nil: the null branch
	for i, b := range n.branches {
		if b.kind != "null" {
			branches[i] = c.plan(b, bt)
		}
	}
	return func(r *reader, v reflect.Value) error {
		i, err := r.index("union", len(branches))
		if err != nil {
			return err
		}
		b := branches[i]
		switch {
		case b == nil:
			v.SetZero()
			return nil
		case ptr:
			p := reflect.New(bt)
			if err := b.decode(r, p.Elem()); err != nil {
				return err
			}
			v.Set(p)
			return nil
		}
		return b.decode(r, v)
	}
}

// arrayDecoder reads the blocks of an array into a fresh slice (empty, not
// nil, for an empty array).
func (c *compiler) arrayDecoder(n *node, t reflect.Type) decoder {
	if t.Kind() != reflect.Slice {
		return mismatchDecoder(n, t)
	}
	if t == stringSliceType && n.items.kind == "string" {
		return stringSliceDecoder
	}
	item := c.plan(n.items, t.Elem())
	return func(r *reader, v reflect.Value) error {
		count, err := r.blockCount()
		if err != nil {
			return err
		}
		v.Set(reflect.MakeSlice(t, 0, r.capHint(count)))
		for i := 0; count != 0; {
			for range count {
				if i == v.Cap() {
					v.Grow(1)
				}
				v.SetLen(i + 1)
				if err := item.decode(r, v.Index(i)); err != nil {
					return fmt.Errorf("item %d: %w", i, err)
				}
				i++
			}
			if count, err = r.blockCount(); err != nil {
				return err
			}
		}
		return nil
	}
}

// stringSliceDecoder is arrayDecoder for []string, the most common array
// (tags, event types, filters), without reflection per item.
func stringSliceDecoder(r *reader, v reflect.Value) error {
	count, err := r.blockCount()
	if err != nil {
		return err
	}
	out := make([]string, 0, r.capHint(count))
	for count != 0 {
		for range count {
			s, err := r.string()
			if err != nil {
				return fmt.Errorf("item %d: %w", len(out), err)
			}
			if !utf8.ValidString(s) {
				return fmt.Errorf("item %d: %w", len(out), errInvalidUTF8)
			}
			out = append(out, s)
		}
		if count, err = r.blockCount(); err != nil {
			return err
		}
	}
	*(v.Addr().Interface().(*[]string)) = out
	return nil
}

// mapDecoder reads the blocks of a map into a fresh map (empty, not nil).
// A key met twice is malformed, as goavro holds it.
func (c *compiler) mapDecoder(n *node, t reflect.Type) decoder {
	if t.Kind() != reflect.Map || !stringType.AssignableTo(t.Key()) {
		return mismatchDecoder(n, t)
	}
	if t == stringMapType && n.items.kind == "string" {
		return stringMapDecoder
	}
	val := c.plan(n.items, t.Elem())
	return func(r *reader, v reflect.Value) error {
		count, err := r.blockCount()
		if err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(t, r.capHint(count))
		// One key and one value, copied into the map by SetMapIndex.
		key := reflect.New(stringType).Elem()
		elem := reflect.New(t.Elem()).Elem()
		for count != 0 {
			for range count {
				k, err := r.string()
				if err != nil {
					return fmt.Errorf("map key: %w", err)
				}
				key.SetString(k)
				if m.MapIndex(key).IsValid() {
					return fmt.Errorf("map key met twice")
				}
				if !utf8.ValidString(k) {
					return fmt.Errorf("map key: %w", errInvalidUTF8)
				}
				elem.SetZero()
				if err := val.decode(r, elem); err != nil {
					return fmt.Errorf("map value: %w", err)
				}
				m.SetMapIndex(key, elem)
			}
			if count, err = r.blockCount(); err != nil {
				return err
			}
		}
		v.Set(m)
		return nil
	}
}

// stringMapDecoder is mapDecoder for map[string]string (headers, custom
// metadata) without reflection per entry.
func stringMapDecoder(r *reader, v reflect.Value) error {
	count, err := r.blockCount()
	if err != nil {
		return err
	}
	m := make(map[string]string, r.capHint(count))
	for count != 0 {
		for range count {
			k, err := r.string()
			if err != nil {
				return fmt.Errorf("map key: %w", err)
			}
			if _, dup := m[k]; dup {
				return fmt.Errorf("map key met twice")
			}
			if !utf8.ValidString(k) {
				return fmt.Errorf("map key: %w", errInvalidUTF8)
			}
			s, err := r.string()
			if err != nil {
				return fmt.Errorf("map value: %w", err)
			}
			if !utf8.ValidString(s) {
				return fmt.Errorf("map value: %w", errInvalidUTF8)
			}
			m[k] = s
		}
		if count, err = r.blockCount(); err != nil {
			return err
		}
	}
	*(v.Addr().Interface().(*map[string]string)) = m
	return nil
}

// primitiveDecoder compiles the reading of a primitive, enum or fixed n
// into t. Logical types follow goavro: timestamp-millis, timestamp-micros
// (long) and date (int) are times, stored into a time.Time or, as unix
// milliseconds, an int64; time-millis, time-micros and decimal are types
// no Go field here holds.
func primitiveDecoder(n *node, t reflect.Type) decoder {
	k := t.Kind()
	switch n.kind {
	case "boolean":
		if k == reflect.Bool {
			return func(r *reader, v reflect.Value) error {
				b, err := r.boolean()
				v.SetBool(b)
				return err
			}
		}
	case "int":
		switch n.logical {
		case "date":
			if t == timeType || k == reflect.Int64 {
				return func(r *reader, v reflect.Value) error {
					d, err := r.int()
					if err != nil {
						return err
					}
					setTime(v, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(d)).UTC())
					return nil
				}
			}
		case "time-millis":
		default:
			if isIntKind(k) {
				return func(r *reader, v reflect.Value) error {
					i, err := r.int()
					v.SetInt(int64(i))
					return err
				}
			}
		}
	case "long":
		switch n.logical {
		case "timestamp-millis", "timestamp-micros":
			unit := int64(1e3)
			if n.logical == "timestamp-micros" {
				unit = 1e6
			}
			if t == timeType || k == reflect.Int64 {
				return func(r *reader, v reflect.Value) error {
					l, err := r.long()
					if err != nil {
						return err
					}
					sec := l / unit
					setTime(v, time.Unix(sec, (l-sec*unit)*(1e9/unit)).UTC())
					return nil
				}
			}
		case "time-micros":
		default:
			switch {
			case t == timeType:
				return func(r *reader, v reflect.Value) error {
					l, err := r.long()
					if err != nil {
						return err
					}
					setTime(v, time.UnixMilli(l).UTC())
					return nil
				}
			case isIntKind(k):
				return func(r *reader, v reflect.Value) error {
					l, err := r.long()
					v.SetInt(l)
					return err
				}
			}
		}
	case "float":
		if isFloatKind(k) {
			return func(r *reader, v reflect.Value) error {
				b, err := r.fixed(4)
				if err != nil {
					return err
				}
				v.SetFloat(float64(float32frombits(b)))
				return nil
			}
		}
	case "double":
		if isFloatKind(k) {
			return func(r *reader, v reflect.Value) error {
				b, err := r.fixed(8)
				if err != nil {
					return err
				}
				v.SetFloat(float64frombits(b))
				return nil
			}
		}
	case "string":
		if k == reflect.String {
			return stringDecoder
		}
	case "enum":
		if k == reflect.String {
			return func(r *reader, v reflect.Value) error {
				i, err := r.index("enum", len(n.symbols))
				if err != nil {
					return err
				}
				if !utf8.ValidString(n.symbols[i]) {
					return errInvalidUTF8
				}
				v.SetString(n.symbols[i])
				return nil
			}
		}
	case "bytes":
		if n.logical != "decimal" && isByteSlice(t) {
			return func(r *reader, v reflect.Value) error {
				b, err := r.bytes()
				setBytes(v, b)
				return err
			}
		}
	case "fixed":
		if isByteSlice(t) {
			return func(r *reader, v reflect.Value) error {
				b, err := r.fixed(n.size)
				setBytes(v, b)
				return err
			}
		}
	}
	return mismatchDecoder(n, t)
}

func stringDecoder(r *reader, v reflect.Value) error {
	s, err := r.string()
	if err != nil {
		return err
	}
	if !utf8.ValidString(s) {
		return errInvalidUTF8
	}
	v.SetString(s)
	return nil
}

// setBytes stores a copy of b (non-nil even when empty, as goavro's
// slice of the body was): a decoded value never aliases the record it
// came from.
func setBytes(v reflect.Value, b []byte) {
	if b != nil {
		v.SetBytes(append(make([]byte, 0, len(b)), b...))
	}
}

// setTime stores tm into a time.Time or, as unix milliseconds, an int64.
func setTime(v reflect.Value, tm time.Time) {
	switch {
	case v.Type() != timeType:
		v.SetInt(tm.UnixMilli())
	case v.CanAddr():
		*(v.Addr().Interface().(*time.Time)) = tm
	default:
		v.Set(reflect.ValueOf(tm))
	}
}
