package history

import (
	"bytes"
	"testing"
	"time"
)

// TestStoredEventIsCheckedWhenRead: an attempt's event is stored as it
// came and checked to be JSON when read back; one that is not is left out
// of the record instead of breaking the page it is on.
func TestStoredEventIsCheckedWhenRead(t *testing.T) {
	at := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, event string
		want        []byte
	}{
		{"json object", `{"eventId":"e1"}`, []byte(`{"eventId":"e1"}`)},
		{"not json", `{"eventId":`, nil},
		{"empty", ``, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec("a1", "wh", "entityCreated", Success, at)
			r.Event = []byte(tc.event)
			var got Record
			if err := decodeValue(encodeValue(&r), &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Event, tc.want) {
				t.Errorf("event %q, want %q", got.Event, tc.want)
			}
			if got.DeliveryID != r.DeliveryID || got.ResponseSnippet != r.ResponseSnippet {
				t.Errorf("decoded %+v, want the fields of %+v", got, r)
			}
		})
	}
}

// TestStoredTaskPlace: the place of an attempt's task survives the store,
// and a value stored before attempts pointed at their task (it ends at the
// event) still decodes, with no place.
func TestStoredTaskPlace(t *testing.T) {
	at := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	r := rec("a1", "wh", "entityCreated", Success, at)
	r.Event, r.Task = nil, TaskRef{Topic: "hookstream.deliveries", Partition: 7, Offset: 1 << 40}
	var got Record
	if err := decodeValue(encodeValue(&r), &got); err != nil {
		t.Fatal(err)
	}
	if got.Task != r.Task || !got.NeedsEvent() {
		t.Fatalf("task %+v (needs event %v), want %+v", got.Task, got.NeedsEvent(), r.Task)
	}
	old := r
	old.Task, old.Event = TaskRef{}, []byte(`{"eventId":"e1"}`)
	got = Record{}
	if err := decodeValue(encodeValue(&old), &got); err != nil {
		t.Fatal(err)
	}
	if got.Task != (TaskRef{}) || got.NeedsEvent() || string(got.Event) != `{"eventId":"e1"}` {
		t.Fatalf("old value decoded to task %+v, event %q", got.Task, got.Event)
	}
	// A place cut short is corruption, not a place at offset 0.
	v := encodeValue(&r)
	if err := decodeValue(v[:len(v)-1], &Record{}); err == nil {
		t.Fatal("a truncated place decoded")
	}
}
