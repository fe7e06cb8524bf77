package payload

import (
	"bytes"
	"encoding/json"
	"testing"

	fastjson "github.com/segmentio/encoding/json"

	"github.com/hookstream/hookstream/schemas"
)

// FuzzValidMatchesStd holds eventObject's validator to encoding/json's
// verdict: the faster one may not accept or refuse anything the standard
// library does not.
func FuzzValidMatchesStd(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `[1,2`, `{"a":"\u00"}`, "{\"a\":\"\xff\"}", `1e5`, ` {"a" : [true,false,null]} `,
		`{"a":01}`, `{"a":-0.5E+3}`, "{\"a\":\"\x01\"}", `"\ud800"`, `{"a":1}x`, `{"a":1,}`, `{"a"}`, ``,
		`{"eventType":"ENTITY_UPDATED","entity":{"name":"orders","tags":["PII.Sensitive"]},"previousVersion":0.3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if std, got := json.Valid(b), fastjson.Valid(b); got != std {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, std)
		}
	})
}

// FuzzSpliceChecksTheEvent holds splice, which checks the event where it
// wrote it, to checking the event alone first: the same events refused, the
// same bytes written for the rest.
func FuzzSpliceChecksTheEvent(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":1}x`, `{,"a":1}`, `{"a":1,}`, `{"a"}`, `{`, `}`, `[]`, `{}{}`,
		"\u00a0{\"a\":[1,{\"b\":null}]}\n", `{"a":"\u00e9"}`, "{\"a\":\"\x01\"}",
	} {
		f.Add(s)
	}
	members := []byte(`"webhookId":"wh_1","webhookName":"n"`)
	f.Fuzz(func(t *testing.T, event string) {
		task := &schemas.DeliveryTask{DeliveryID: "msg_1", Event: event}
		var got bytes.Buffer
		got.WriteString("[")
		err := splice(&got, members, task)

		var want []byte
		obj, werr := eventObject(task)
		if werr == nil {
			want = append([]byte("[{"), members...)
			rest := bytes.TrimLeft(obj[1:], " \t\r\n")
			if rest[0] != '}' {
				want = append(want, ',')
			}
			want = append(want, rest...)
		}
		switch {
		case (err == nil) != (werr == nil):
			t.Fatalf("event %q: splice says %v, the check alone %v", event, err, werr)
		case err == nil && !bytes.Equal(got.Bytes(), want):
			t.Fatalf("event %q: wrote %q, want %q", event, got.Bytes(), want)
		case err != nil && got.String() != "[":
			t.Fatalf("event %q refused, but %q left in the buffer", event, got.Bytes())
		}
	})
}

// FuzzGenericMembersMatchStd holds genericMembers to what encoding/json
// writes for the same two fields: the same escapes (HTML characters, U+2028,
// control characters) and the same replacement of invalid UTF-8.
func FuzzGenericMembersMatchStd(f *testing.F) {
	for _, s := range [][2]string{
		{"wh_1", "orders to Slack"}, {"", ""}, {"<a>&", "\u2028\u2029"}, {"\x00\x1f\"\\", "\xff\xfe"}, {"é😀", "tab\there"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, id, name string) {
		std, err := json.Marshal(struct {
			WebhookID   string `json:"webhookId"`
			WebhookName string `json:"webhookName"`
		}{id, name})
		if err != nil {
			t.Fatal(err)
		}
		if got := genericMembers(Webhook{ID: id, Name: name}); !bytes.Equal(got, std[1:len(std)-1]) {
			t.Fatalf("members of %q, %q: %s, encoding/json writes %s", id, name, got, std[1:len(std)-1])
		}
	})
}
