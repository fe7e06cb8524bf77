package schemas_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/hookstream/hookstream/schemas"
)

func init() {
	// goavro allocates room for a block's claimed count before it reads an
	// item (up to 2^31 items of 16 bytes): the fuzzer's hostile counts
	// took its workers down. Under this bound it refuses them first, as
	// the codec does (no test body holds 2^16 items of at least a byte).
	goavro.MaxBlockCount = 1 << 16
}

// The compiled codec against the generic path it replaced (goavro's native
// maps): the same bytes for every value, and for any bytes the same value
// or an error from both.

// diffCase is a writer schema and the Go type it is read into and written
// from.
type diffCase struct {
	name   string
	schema *schemas.Schema
	typ    reflect.Type
}

// diffCases is every schema of the set, and writer schemas that differ
// from the Go types: fields of every kind the Go type lacks (skipped on
// decode, their defaults written on encode) and Go fields the writer lacks.
func diffCases(tb testing.TB) []diffCase {
	tb.Helper()
	set := schemas.MustLoad()
	types := map[string]reflect.Type{}
	for _, v := range samples() {
		t := reflect.TypeOf(v).Elem()
		types[t.Name()] = t
	}
	var cases []diffCase
	for _, name := range set.Names() {
		cases = append(cases, diffCase{name, set.Get(name), types[name]})
	}
	extras := `{"name":"priority","type":"int","default":7},
		{"name":"labels","type":{"type":"array","items":"string"},"default":["a","b"]},
		{"name":"meta","type":{"type":"map","values":"long"},"default":{"x":1}},
		{"name":"extra","type":["null","string"],"default":null},
		{"name":"blob","type":"bytes","default":"\u00ff"},
		{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]},"default":"B"},
		{"name":"sub","type":{"type":"record","name":"Sub","fields":[{"name":"a","type":"double","default":1.5},{"name":"b","type":"boolean","default":true}]},"default":{"a":2.5}},
		{"name":"fx","type":{"type":"fixed","name":"Fx","size":2},"default":"ab"},
		{"name":"f32","type":"float","default":0.25},
		{"name":"when","type":{"type":"long","logicalType":"timestamp-micros"},"default":5},
		{"name":"subs","type":{"type":"array","items":"Sub"},"default":[]}`
	text := set.Get("DeliveryTask").Text
	i := strings.LastIndex(text, "]")
	cases = append(cases, diffCase{"DeliveryTask+extras", mustParse(tb, text[:i]+","+extras+text[i:]), types["DeliveryTask"]})
	cases = append(cases, diffCase{"Subscription-fields",
		mustParse(tb, without(tb, set.Get("Subscription").Text, "actionType", "timeoutSeconds", "sealedHeaders", "previousSecretExpiresAt", "filters")),
		types["Subscription"]})
	return cases
}

func mustParse(tb testing.TB, text string) *schemas.Schema {
	tb.Helper()
	s, err := schemas.Parse(text)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// without is schema text less the named top-level fields.
func without(tb testing.TB, text string, names ...string) string {
	tb.Helper()
	var tree map[string]any
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		tb.Fatal(err)
	}
	var fields []any
	for _, f := range tree["fields"].([]any) {
		if !strings.Contains(","+strings.Join(names, ",")+",", ","+f.(map[string]any)["name"].(string)+",") {
			fields = append(fields, f)
		}
	}
	tree["fields"] = fields
	b, _ := json.Marshal(tree)
	return string(b)
}

// checkEncode holds the codec's bytes for v equal to goavro's; maps may
// list their entries in another order (Go's map order, in both), so
// encodings that differ must decode to the same native value.
func checkEncode(t *testing.T, c diffCase, v any) {
	t.Helper()
	got, err := schemas.CodecEncode(c.schema, v)
	want, rerr := referenceEncode(c.schema, v)
	if (err == nil) != (rerr == nil) {
		t.Fatalf("%s: encode error %v, reference error %v, value %+v", c.name, err, rerr, v)
	}
	if err != nil || string(got) == string(want) {
		return
	}
	gn, err := schemas.ReferenceNative(c.schema, got)
	if err != nil {
		t.Fatalf("%s: goavro cannot read the codec's bytes %x: %v", c.name, got, err)
	}
	wn, _ := schemas.ReferenceNative(c.schema, want)
	if len(got) != len(want) || !equalValues(reflect.ValueOf(gn), reflect.ValueOf(wn)) {
		t.Fatalf("%s: encodings differ:\n got  %x\n want %x", c.name, got, want)
	}
}

// referenceEncode is the generic path's encoding, a panic (its answer to
// some Go types) an error.
func referenceEncode(s *schemas.Schema, v any) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return schemas.ReferenceEncode(s, v)
}

// checkDecode holds the codec's reading of body equal to the generic
// path's: both fail, or both give the same value, which then encodes the
// same both ways. It reports whether they read a value.
func checkDecode(t *testing.T, c diffCase, body []byte) bool {
	t.Helper()
	got, want := reflect.New(c.typ), reflect.New(c.typ)
	err := schemas.CodecDecode(c.schema, body, got.Interface())
	rerr := schemas.ReferenceDecode(c.schema, body, want.Interface())
	if (err == nil) != (rerr == nil) {
		t.Fatalf("%s: decode error %v, reference error %v, body %x", c.name, err, rerr, body)
	}
	if err != nil {
		return false
	}
	if !equalValues(got, want) {
		t.Fatalf("%s: decoded values differ, body %x:\n got  %+v\n want %+v", c.name, body, got.Elem(), want.Elem())
	}
	checkEncode(t, c, got.Interface())
	return true
}

// equalValues is reflect.DeepEqual with NaN equal to itself, so a double
// the fuzzer made NaN compares.
func equalValues(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == reflect.TypeOf(time.Time{}) {
			return reflect.DeepEqual(a.Interface(), b.Interface())
		}
		for i := range a.NumField() {
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); !bv.IsValid() || !equalValues(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// fill sets every field of v to the seed-th of a few edge values of its
// type: empty and nil, invalid UTF-8, extreme numbers, times before 1970
// and with nanoseconds the wire drops, maps of several entries.
func fill(v reflect.Value, seed int, bad bool) {
	strs := []string{"", "a", "ü\x00", strings.Repeat("x", 200)}
	if bad {
		strs = append(strs, "bad\xffutf8")
	}
	ints := []int64{0, -1, 1, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, 1 << 40}
	times := []time.Time{{}, time.Date(2026, 5, 12, 6, 0, 2, 123456789, time.UTC), time.UnixMilli(-1).UTC(),
		time.Date(1969, 7, 20, 20, 17, 40, 5e8, time.FixedZone("x", 3600)), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}
	floats := []float64{0, -0.5, math.Inf(1), math.NaN(), math.MaxFloat64}
	if v.Type() == reflect.TypeOf(time.Time{}) {
		v.Set(reflect.ValueOf(times[seed%len(times)]))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(strs[seed%len(strs)])
	case reflect.Int32, reflect.Int64:
		v.SetInt(ints[seed%len(ints)])
	case reflect.Bool:
		v.SetBool(seed%2 == 1)
	case reflect.Float64:
		v.SetFloat(floats[seed%len(floats)])
	case reflect.Pointer:
		if seed%3 != 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), seed+1, bad)
		} else {
			v.SetZero()
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), seed+i, bad)
		}
	case reflect.Slice:
		switch n := seed % 4; n {
		case 0:
			v.SetZero()
		default:
			s := reflect.MakeSlice(v.Type(), n-1, n-1)
			for i := range n - 1 {
				fill(s.Index(i), seed+i+1, bad)
			}
			v.Set(s)
		}
	case reflect.Map:
		switch n := seed % 4; n {
		case 0:
			v.SetZero()
		default:
			m := reflect.MakeMap(v.Type())
			for i := range n - 1 {
				k := reflect.New(v.Type().Key()).Elem()
				k.SetString(fmt.Sprintf("k%d%s", i, strs[(seed+i)%len(strs)]))
				e := reflect.New(v.Type().Elem()).Elem()
				fill(e, seed+i, bad)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	}
}

func TestCodecMatchesGoavro(t *testing.T) {
	byType := map[reflect.Type][]any{}
	for _, v := range samples() {
		byType[reflect.TypeOf(v).Elem()] = append(byType[reflect.TypeOf(v).Elem()], v)
	}
	for _, c := range diffCases(t) {
		t.Run(c.name, func(t *testing.T) {
			values := append([]any{reflect.New(c.typ).Interface()}, byType[c.typ]...)
			for seed := range 60 {
				v := reflect.New(c.typ)
				fill(v.Elem(), seed, seed%3 == 0)
				values = append(values, v.Interface())
			}
			decoded := 0
			for _, v := range values {
				checkEncode(t, c, v)
				body, err := schemas.CodecEncode(c.schema, v)
				if err != nil {
					t.Fatal(err)
				}
				if checkDecode(t, c, body) {
					decoded++
				}
				// Every cut of a good body is malformed both ways.
				for i := range body {
					if checkDecode(t, c, body[:i]) {
						t.Fatalf("%s: a body cut to %d of %d bytes decodes", c.name, i, len(body))
					}
				}
			}
			if decoded < len(values)/2 {
				t.Fatalf("only %d of %d values decode", decoded, len(values))
			}
		})
	}
}

// TestCodecHostileLengths: a length or count larger than the bytes left is
// an error, not an allocation of that size.
func TestCodecHostileLengths(t *testing.T) {
	set := schemas.MustLoad()
	huge := []byte{0xfe, 0xff, 0xff, 0xff, 0x0f} // 2^31-1, zigzag
	for _, tc := range []struct {
		name   string
		schema string
		body   []byte
		into   any
	}{
		{"string length", "DeliveryTask", huge, &schemas.DeliveryTask{}},
		{"array count", "WorkflowCompletionEvent", append(append(make([]byte, 0, 64), 2, 'e', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), huge...), &schemas.WorkflowCompletionEvent{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(10, func() {
				if err := schemas.CodecDecode(set.Get(tc.schema), tc.body, tc.into); err == nil {
					t.Fatal("no error")
				}
			})
			if allocs > 20 {
				t.Fatalf("%v allocations", allocs)
			}
		})
	}
}

// FuzzCodec decodes arbitrary bytes as every record type, with the codec
// and with the generic path, and holds the two to the same answer; a value
// both read is encoded both ways and the bytes compared. Seeds are in
// testdata/fuzz/FuzzCodec (HOOKSTREAM_WRITE_SEEDS=1 writes them from the
// samples).
func FuzzCodec(f *testing.F) {
	cases := diffCases(f)
	if os.Getenv("HOOKSTREAM_WRITE_SEEDS") != "" {
		writeSeeds(f, cases)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range cases {
			checkDecode(t, c, body)
		}
	})
}

func writeSeeds(f *testing.F, cases []diffCase) {
	dir := filepath.Join("testdata", "fuzz", "FuzzCodec")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	write := func(name string, body []byte) {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", body)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	for _, c := range cases {
		for _, v := range samples() {
			if reflect.TypeOf(v).Elem() != c.typ {
				continue
			}
			body, err := schemas.CodecEncode(c.schema, v)
			if err != nil {
				f.Fatal(err)
			}
			write(c.name, body)
		}
	}
	write("empty", nil)
	write("negative-block", []byte{0x01, 0x02, 0x02, 'a', 0x00})
}
