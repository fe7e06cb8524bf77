package producer

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseLine drives both line parsers with arbitrary input: they return
// an event or an error, never panic, and an event they accept survives a
// round trip through its own JSON unchanged (nothing is dropped or changed
// between what was read and what would be produced).
func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"eventType":"entityCreated","entity":{"id":"e1","type":"table","tags":["PII.Sensitive"]}}`))
	f.Add([]byte(`{"workflowName":"w","status":"FAILED","failedSteps":["a"],"nextRunInMinutes":5}`))
	f.Add([]byte(`{"entity":{"customMetadata":{"k":"v"}},"changeDescription":{"fieldsUpdated":[{"name":"owner","oldValue":"1","newValue":"2"}]}}`))
	f.Add([]byte(`{"eventType":1}`))
	f.Add([]byte(`{"entity":{"bogus":true}}`))
	f.Add([]byte("{\"actor\":\"\xff\xfe\"}"))
	f.Add([]byte(`{} trailing`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if ev, err := ParseMetadataLine(line); err == nil {
			roundTrip(t, ev, func(b []byte) (any, error) { return ParseMetadataLine(b) })
		} else if err.Error() == "" {
			t.Fatal("metadata line refused with an empty message")
		}
		if ev, err := ParseWorkflowLine(line); err == nil {
			roundTrip(t, ev, func(b []byte) (any, error) { return ParseWorkflowLine(b) })
		} else if err.Error() == "" {
			t.Fatal("workflow line refused with an empty message")
		}
	})
}

func roundTrip(t *testing.T, ev any, parse func([]byte) (any, error)) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("marshal a parsed event: %v", err)
	}
	again, err := parse(b)
	if err != nil {
		t.Fatalf("the JSON of a parsed event does not parse: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(ev, again) {
		t.Fatalf("round trip changed the event:\n%#v\n%#v", ev, again)
	}
}
