package schemas

import (
	"fmt"
	"reflect"
)

// skipper compiles the reading past a value of n, for a field the Go type
// lacks. It checks what goavro checks when it decodes the value (lengths,
// indexes, boolean bytes, map keys met twice), so a record the generic
// path refused is refused still, but keeps nothing and checks no UTF-8:
// the generic path never looked at the strings of a field it dropped.
func (c *compiler) skipper(n *node) decoder {
	switch n.kind {
	case "null":
		return func(*reader, reflect.Value) error { return nil }
	case "boolean":
		return func(r *reader, _ reflect.Value) error {
			_, err := r.boolean()
			return err
		}
	case "int", "long":
		return func(r *reader, _ reflect.Value) error {
			_, err := r.long()
			return err
		}
	case "float":
		return skipFixed(4)
	case "double":
		return skipFixed(8)
	case "fixed":
		return skipFixed(n.size)
	case "string", "bytes":
		return func(r *reader, _ reflect.Value) error {
			_, err := r.bytes()
			return err
		}
	case "enum":
		return func(r *reader, _ reflect.Value) error {
			_, err := r.index("enum", len(n.symbols))
			return err
		}
	case "union":
		branches := make([]*plan, len(n.branches))
		for i, b := range n.branches {
			branches[i] = c.plan(b, nil)
		}
		return func(r *reader, _ reflect.Value) error {
			i, err := r.index("union", len(branches))
			if err != nil {
				return err
			}
			return branches[i].decode(r, reflect.Value{})
		}
	case "array":
		item := c.plan(n.items, nil)
		return func(r *reader, _ reflect.Value) error {
			count, err := r.blockCount()
			for ; err == nil && count != 0; count, err = r.blockCount() {
				for i := range count {
					if err := item.decode(r, reflect.Value{}); err != nil {
						return fmt.Errorf("item %d: %w", i, err)
					}
				}
			}
			return err
		}
	case "map":
		val := c.plan(n.items, nil)
		return func(r *reader, _ reflect.Value) error {
			var seen map[string]struct{}
			count, err := r.blockCount()
			for ; err == nil && count != 0; count, err = r.blockCount() {
				if seen == nil {
					seen = make(map[string]struct{}, r.capHint(count))
				}
				for range count {
					k, err := r.string()
					if err != nil {
						return fmt.Errorf("map key: %w", err)
					}
					if _, dup := seen[k]; dup {
						return fmt.Errorf("map key met twice")
					}
					seen[k] = struct{}{}
					if err := val.decode(r, reflect.Value{}); err != nil {
						return fmt.Errorf("map value: %w", err)
					}
				}
			}
			return err
		}
	case "record":
		fields := make([]*plan, len(n.fields))
		for i, f := range n.fields {
			fields[i] = c.plan(f.typ, nil)
		}
		return func(r *reader, _ reflect.Value) error {
			for i, f := range fields {
				if err := f.decode(r, reflect.Value{}); err != nil {
					return fmt.Errorf("%s: %w", n.fields[i].name, err)
				}
			}
			return nil
		}
	}
	err := fmt.Errorf("unsupported Avro type %s", n.kind)
	return func(*reader, reflect.Value) error { return err }
}

func skipFixed(n int) decoder {
	return func(r *reader, _ reflect.Value) error {
		_, err := r.fixed(n)
		return err
	}
}
