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
