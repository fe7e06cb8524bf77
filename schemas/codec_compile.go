package schemas

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"time"
)

// The compiled codec reads Avro binary straight into Go values and writes
// Go values straight to Avro binary. goavro's generic form (a map per
// record, an interface per value) cost more than the rest of a delivery
// together (issue #20); goavro still parses and validates every schema and
// is the reference the tests hold this codec to, byte for byte and value
// for value (codec_reference_test.go).
//
// A plan is compiled once per (writer schema, Go type) and cached on the
// schema's root node. Compiling never fails: a part of the schema the Go
// type cannot hold becomes a step that fails when a record reaches it, as
// the generic path failed only when a value reached it (a null union
// branch never meets its mismatched other branch).

// plan is the codec of one (Avro node, Go type) pair. A skip plan (for a
// field the Go type lacks) has a decoder only.
type plan struct {
	decode decoder
	encode encoder

	// size is the length of the last encoding of a root plan, the capacity
	// Encode gives a fresh buffer so that a record is written without
	// growing it step by step.
	size atomic.Int64
}

// decoder reads one value of its node from r into v (addressable, or
// invalid for a skip plan).
type decoder func(r *reader, v reflect.Value) error

// encoder appends the Avro binary of v to b.
type encoder func(b []byte, v reflect.Value) ([]byte, error)

var (
	timeType        = reflect.TypeOf(time.Time{})
	stringType      = reflect.TypeOf("")
	stringSliceType = reflect.TypeOf([]string(nil))
	stringMapType   = reflect.TypeOf(map[string]string(nil))
)

// planFor returns the plan of the schema rooted at n for Go type t,
// compiling it on first use.
func (n *node) planFor(t reflect.Type) *plan {
	if p, ok := n.plans.Load(t); ok {
		return p.(*plan)
	}
	c := compiler{memo: map[planKey]*plan{}}
	p, _ := n.plans.LoadOrStore(t, c.plan(n, t))
	return p.(*plan)
}

// sizeHint is the capacity for a fresh buffer: the last record's size and
// an eighth more, so a slightly longer record still fits.
func (p *plan) sizeHint() int {
	s := p.size.Load()
	return int(s + s/8)
}

type planKey struct {
	n *node
	t reflect.Type // nil: skip
}

// compiler holds the plans of one compilation, so that a recursive named
// type (a record holding itself through a union or an array) compiles to a
// plan that refers to itself instead of recursing forever.
type compiler struct {
	memo map[planKey]*plan
}

// plan compiles n for Go type t, or, for t nil, a plan that only reads
// past a value of n.
func (c *compiler) plan(n *node, t reflect.Type) *plan {
	k := planKey{n, t}
	if p, ok := c.memo[k]; ok {
		return p
	}
	// Stored before its children compile: their steps call p's functions
	// only when a record runs, by which time they are set.
	p := &plan{}
	c.memo[k] = p
	if t == nil {
		p.decode = c.skipper(n)
		return p
	}
	p.decode = c.decoder(n, t)
	p.encode = c.encoder(n, t)
	return p
}

// describe names an Avro type in errors.
func (n *node) describe() string {
	switch {
	case n.name != "":
		return n.kind + " " + n.name
	case n.logical != "":
		return n.kind + "." + n.logical
	}
	return n.kind
}

// mismatchDecoder fails when a record reaches a value that t cannot hold.
func mismatchDecoder(n *node, t reflect.Type) decoder {
	err := fmt.Errorf("Avro %s cannot be stored in Go %s", n.describe(), t)
	return func(*reader, reflect.Value) error { return err }
}

// mismatchEncoder fails when a value of t is met where n is to be written.
func mismatchEncoder(n *node, t reflect.Type) encoder {
	err := fmt.Errorf("Go %s cannot be written as Avro %s", t, n.describe())
	return func([]byte, reflect.Value) ([]byte, error) { return nil, err }
}

func isIntKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Int64
}

func isFloatKind(k reflect.Kind) bool {
	return k == reflect.Float32 || k == reflect.Float64
}

func isByteSlice(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

// structOf is the struct type a record is read into or written from: t or
// what t points to; ok is false when that is no struct.
func structOf(t reflect.Type) (st reflect.Type, ptr, ok bool) {
	ptr = t.Kind() == reflect.Pointer
	st = t
	if ptr {
		st = t.Elem()
	}
	return st, ptr, st.Kind() == reflect.Struct
}
