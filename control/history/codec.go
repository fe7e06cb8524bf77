package history

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// errCorrupt is a stored value that does not decode.
var errCorrupt = errors.New("history: corrupt stored attempt")

// encodeValue writes what an attempt's key does not hold. The event type
// comes first so filters read it without decoding the rest. Headers are
// written in name order, so equal records encode equally and compress
// well side by side.
func encodeValue(r *Record) []byte {
	return appendValue(make([]byte, 0, 128+len(r.Event)+len(r.ResponseSnippet)), r)
}

// appendValue appends encodeValue's bytes to b.
func appendValue(b []byte, r *Record) []byte {
	b = appendString(b, r.EventType)
	b = appendString(b, r.Outcome)
	b = appendString(b, r.DeliveryID)
	b = appendString(b, r.EventID)
	b = appendString(b, r.Tier)
	b = binary.AppendVarint(b, int64(r.Attempt))
	b = binary.AppendVarint(b, int64(r.StatusCode))
	b = binary.AppendVarint(b, r.LatencyMs)
	var next int64
	if r.NextAttemptAt != nil {
		next = r.NextAttemptAt.UnixNano()
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendVarint(b, next)
	b = appendString(b, r.Error)
	var room [16]string // the headers of a usual request, without a heap slice
	names := room[:0]
	for k := range r.RequestHeaders {
		names = append(names, k)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, k := range names {
		b = appendString(appendString(b, k), r.RequestHeaders[k])
	}
	b = appendString(b, r.ResponseSnippet)
	b = appendString(b, string(r.Event))
	// The task's place comes last and only when there is one: values
	// stored before attempts pointed at their task end at the event.
	if r.Task.Topic != "" {
		b = appendString(b, r.Task.Topic)
		b = binary.AppendVarint(b, int64(r.Task.Partition))
		b = binary.AppendVarint(b, r.Task.Offset)
	}
	return b
}

// decodeValue fills r from v; r's ID, WebhookID and Timestamp come from
// the key.
func decodeValue(v []byte, r *Record) error {
	d := decoder{b: v}
	r.EventType = d.str()
	r.Outcome = d.str()
	r.Success = r.Outcome == Success
	r.DeliveryID = d.str()
	r.EventID = d.str()
	r.Tier = d.str()
	r.Attempt = int32(d.varint())
	r.StatusCode = int32(d.varint())
	r.LatencyMs = d.varint()
	hasNext := d.byte() == 1
	next := d.varint()
	if hasNext {
		t := time.Unix(0, next).UTC()
		r.NextAttemptAt = &t
	}
	r.Error = d.str()
	n := d.uvarint()
	if n > uint64(len(v)) {
		return errCorrupt
	}
	r.RequestHeaders = make(map[string]string, n)
	for range n {
		k := d.str()
		r.RequestHeaders[k] = d.str()
	}
	r.ResponseSnippet = d.str()
	if ev := d.str(); ev != "" && json.Valid([]byte(ev)) {
		// Checked here, not when stored: every attempt is stored, few
		// are read. An event that is not JSON (a foreign producer's) is
		// left out of the record rather than breaking the page.
		r.Event = []byte(ev)
	}
	if len(d.b) > 0 {
		r.Task.Topic = d.str()
		r.Task.Partition = int32(d.varint())
		r.Task.Offset = d.varint()
	}
	if d.bad {
		return errCorrupt
	}
	return nil
}

// headOf reads the event type and outcome of a stored value.
func headOf(v []byte) (eventType, outcome string, err error) {
	d := decoder{b: v}
	eventType, outcome = d.str(), d.str()
	if d.bad {
		return "", "", errCorrupt
	}
	return eventType, outcome, nil
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) str() string {
	s, rest, ok := readString(d.b)
	if !ok {
		d.bad = true
		return ""
	}
	d.b = rest
	return s
}

func (d *decoder) varint() int64 {
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}
