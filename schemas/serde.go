package schemas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// Serde encodes Go values of this package to the Confluent wire format and
// decodes them back, fetching unknown writer schemas from the registry once.
type Serde struct {
	reg    *sr.Client
	set    *Set
	header sr.ConfluentHeader

	mu       sync.RWMutex
	writeIDs map[string]writer
	readers  map[int]*Schema
	missing  map[int]time.Time // ids the registry did not know, and when we asked
}

type writer struct {
	id     int
	schema *Schema
}

// missingTTL bounds how often a burst of records with an unknown schema id
// asks the registry again.
const missingTTL = 10 * time.Second

// NewSerde returns a serde that registers and looks up schemas in reg.
func NewSerde(reg *sr.Client, set *Set) *Serde {
	return &Serde{
		reg:      reg,
		set:      set,
		writeIDs: map[string]writer{},
		readers:  map[int]*Schema{},
		missing:  map[int]time.Time{},
	}
}

// Register registers the schema of record (a record name such as
// "DeliveryTask") under subject (a topic's "<topic>-value"), and encodes
// values of the Go type of that name with the id it gets. The registry refuses
// a schema that breaks the subject's compatibility rule.
func (s *Serde) Register(ctx context.Context, subject, record string) (int, error) {
	sch := s.set.Get(record)
	if sch == nil {
		return 0, fmt.Errorf("register %s: no schema named %s", subject, record)
	}
	ss, err := s.reg.CreateSchema(ctx, subject, sr.Schema{Schema: sch.Text, Type: sr.TypeAvro})
	if err != nil {
		return 0, fmt.Errorf("register schema %s: %w", subject, err)
	}
	s.mu.Lock()
	s.writeIDs[record] = writer{id: ss.ID, schema: sch}
	s.readers[ss.ID] = sch
	s.mu.Unlock()
	return ss.ID, nil
}

// Encode writes v (a value or pointer of a registered type) with its header.
func (s *Serde) Encode(v any) ([]byte, error) {
	return s.AppendEncode(nil, v)
}

// AppendEncode appends the encoding of v to b.
func (s *Serde) AppendEncode(b []byte, v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	s.mu.RLock()
	w, ok := s.writeIDs[rv.Type().Name()]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("encode %s: schema not registered", rv.Type())
	}
	return appendEncode(b, w.schema, w.id, rv)
}

func appendEncode(b []byte, s *Schema, id int, rv reflect.Value) ([]byte, error) {
	p := s.root.planFor(rv.Type())
	if b == nil {
		b = make([]byte, 0, p.sizeHint())
	}
	start := len(b)
	var h sr.ConfluentHeader
	b, _ = h.AppendEncode(b, id, nil)
	b, err := p.encode(b, rv)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.Name, err)
	}
	p.size.Store(int64(len(b) - start))
	return b, nil
}

// Decode reads a wire-format value into v, a pointer to one of this package's
// types. Errors wrap ErrBadHeader, ErrUnknownSchemaID, ErrWrongRecord,
// ErrMalformed or ErrRegistry; Decode never panics on any input.
func (s *Serde) Decode(ctx context.Context, b []byte, v any) (err error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decode: need a non-nil pointer, have %T", v)
	}
	id, body, herr := s.header.DecodeID(b)
	if herr != nil {
		return ErrBadHeader
	}
	sch, err := s.reader(ctx, id)
	if err != nil {
		return err
	}
	target := rv.Elem().Type().Name()
	if sch.Name != target {
		return fmt.Errorf("%w: schema id %d is %s, want %s", ErrWrongRecord, id, sch.Name, target)
	}
	defer func() {
		// The fuzz tests find no panic in the codec; this keeps a bug
		// found later from taking a consumer down with one record.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()
	if err := decodeBody(sch.root.planFor(rv.Elem().Type()), body, rv.Elem()); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

func (s *Serde) reader(ctx context.Context, id int) (*Schema, error) {
	s.mu.RLock()
	sch, ok := s.readers[id]
	asked, missing := s.missing[id]
	s.mu.RUnlock()
	if ok {
		return sch, nil
	}
	if missing && time.Since(asked) < missingTTL {
		return nil, fmt.Errorf("%w: %d", ErrUnknownSchemaID, id)
	}
	raw, err := s.reg.SchemaByID(ctx, id)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && (re.StatusCode == http.StatusNotFound || re.ErrorCode == 40403) {
			s.mu.Lock()
			s.missing[id] = time.Now()
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: %d", ErrUnknownSchemaID, id)
		}
		return nil, fmt.Errorf("%w: schema id %d: %v", ErrRegistry, id, err)
	}
	if raw.Type != sr.TypeAvro && raw.Type != 0 {
		return nil, fmt.Errorf("%w: schema id %d is %s, not Avro", ErrWrongRecord, id, raw.Type)
	}
	sch, err = Parse(raw.Schema)
	if err != nil {
		return nil, fmt.Errorf("%w: schema id %d: %v", ErrWrongRecord, id, err)
	}
	s.mu.Lock()
	s.readers[id] = sch
	s.mu.Unlock()
	return sch, nil
}

// Subject is the registry subject of a topic's values.
func Subject(topic string) string { return topic + "-value" }

// IsRejectable reports whether a decode error is the record's fault (send it
// to the rejected topic) rather than the registry's (retry later).
func IsRejectable(err error) bool {
	return err != nil && !errors.Is(err, ErrRegistry)
}

// EncodeWith encodes v with an explicit schema and id; it is how a producer
// that holds another version of a schema writes, and how tests play one.
func EncodeWith(s *Schema, id int, v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	return appendEncode(nil, s, id, rv)
}
