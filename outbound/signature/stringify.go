package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Body returns the bytes to send and sign for body under scheme.
//
// Immuta computes its signature as
// createHmac('sha1', secret).update(JSON.stringify(data)).digest('hex'), and
// receivers written for it do the same over the body they parsed, not over
// the bytes that arrived. So an immuta body is sent in the form
// JSON.stringify(JSON.parse(body)) gives, which that re-serialisation
// reproduces byte for byte: Go's HTML escapes (\u0026 for &) and Go's
// number forms would otherwise change the signed text and fail every such
// receiver. Every other scheme signs the body as rendered.
func Body(scheme Scheme, body []byte) ([]byte, error) {
	if scheme != Immuta {
		return body, nil
	}
	out, err := Stringify(body)
	if err != nil {
		return nil, fmt.Errorf("signature: immuta body: %w", err)
	}
	return out, nil
}

// Stringify rewrites one JSON value as JavaScript's
// JSON.stringify(JSON.parse(text)) writes it: no insignificant space; object
// members in JavaScript's property order (array-index keys ascending first,
// then the others in order of first appearance, a repeated key keeping its
// first place and its last value); strings escaped as QuoteJSONString does;
// numbers as Number.prototype.toString writes them, with a value out of
// double range written as null.
func Stringify(text []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("stringify: data after the JSON value")
	}
	var b bytes.Buffer
	v.write(&b)
	return b.Bytes(), nil
}

// jsValue is a parsed JSON value: exactly one of the fields is meaningful,
// chosen by kind.
type jsValue struct {
	kind    byte // 'o' object, 'a' array, 's' string, 'n' number, 'l' literal
	literal string
	str     string
	num     float64
	keys    []string
	members map[string]*jsValue
	items   []*jsValue
}

func readValue(dec *json.Decoder) (*jsValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("stringify: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jsValue{kind: 'o', members: map[string]*jsValue{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("stringify: %w", err)
				}
				k, _ := kt.(string) // the decoder yields only strings as keys
				m, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				if _, seen := v.members[k]; !seen {
					v.keys = append(v.keys, k)
				}
				v.members[k] = m
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("stringify: %w", err)
			}
			v.order()
			return v, nil
		case '[':
			v := &jsValue{kind: 'a'}
			for dec.More() {
				m, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, m)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("stringify: %w", err)
			}
			return v, nil
		}
	case string:
		return &jsValue{kind: 's', str: t}, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("stringify: number %s: %w", t, err)
		}
		return &jsValue{kind: 'n', num: f}, nil
	case bool:
		return &jsValue{kind: 'l', literal: strconv.FormatBool(t)}, nil
	case nil:
		return &jsValue{kind: 'l', literal: "null"}, nil
	}
	return nil, fmt.Errorf("stringify: unexpected token %v", tok)
}

// order puts array-index keys first, ascending, as JavaScript orders the
// own properties of an object; the sort is stable, so the others keep their
// order.
func (v *jsValue) order() {
	sort.SliceStable(v.keys, func(i, j int) bool {
		a, aok := arrayIndex(v.keys[i])
		b, bok := arrayIndex(v.keys[j])
		switch {
		case aok && bok:
			return a < b
		default:
			return aok && !bok
		}
	})
}

// arrayIndex reports whether k is the canonical decimal form of an array
// index (0 to 2^32-2).
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n > math.MaxUint32-1 {
		return 0, false
	}
	return n, true
}

func (v *jsValue) write(b *bytes.Buffer) {
	switch v.kind {
	case 'o':
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			v.members[k].write(b)
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, m := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			m.write(b)
		}
		b.WriteByte(']')
	case 's':
		writeString(b, v.str)
	case 'n':
		b.WriteString(jsNumber(v.num))
	default:
		b.WriteString(v.literal)
	}
}

// writeString is QuoteJSONString. The decoder has already turned invalid
// UTF-8 and lone surrogate escapes into U+FFFD, so every rune is whole.
func writeString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[r>>4])
				b.WriteByte(hexDigits[r&0xF])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// jsNumber is Number.prototype.toString of f (ECMAScript Number::toString),
// and null for an infinity, as JSON.stringify writes it.
func jsNumber(f float64) string {
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return "null"
	case f == 0:
		return "0" // -0 too
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest round-trip digits d.ddd and the exponent e of d.ddd×10^e.
	mant, expText, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(expText)
	k, n := len(digits), e+1
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	expSign := "+"
	if n-1 < 0 {
		expSign = "-"
	}
	out := sign + digits[:1]
	if k > 1 {
		out += "." + digits[1:]
	}
	return out + "e" + expSign + strconv.Itoa(abs(n-1))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
