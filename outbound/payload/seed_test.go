package payload

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

// TestBatchSizeDecidesTheShape: a batched webhook's body is an array even
// when one task was waiting; an unbatched one's is an object.
func TestBatchSizeDecidesTheShape(t *testing.T) {
	one := []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}
	for _, format := range []string{Generic, OpenMetadata} {
		for _, tc := range []struct {
			batchSize int
			array     bool
		}{{0, false}, {1, false}, {2, true}, {100, true}} {
			body, err := Render(Webhook{ID: "wh1", Name: "n", Format: format, BatchSize: tc.batchSize}, "msg", one)
			if err != nil {
				t.Fatal(err)
			}
			if got := body[0] == '['; got != tc.array {
				t.Errorf("%s batchSize %d: array = %v, want %v: %s", format, tc.batchSize, got, tc.array, body)
			}
		}
	}
}

func TestOpenMetadata(t *testing.T) {
	body, err := Render(Webhook{ID: "wh1", Name: "SlackTableNotifications", Format: OpenMetadata, BatchSize: 1}, "msg",
		[]schemas.DeliveryTask{task("d1", "entityUpdated", updateEvent)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"eventId":"e2","eventType":"entityUpdated","timestamp":1700000000999,` +
		`"entity":{"id":"t1","type":"table","name":"orders","fullyQualifiedName":"db.sales.orders","description":"","tags":[]},` +
		`"changeDescription":{"fieldsAdded":[{"name":"columns.x","newValue":1}],"fieldsUpdated":[{"name":"description","oldValue":"a","newValue":"b"}],"fieldsDeleted":[]},` +
		`"userName":"\u003c!channel\u003e \u003chttps://evil|click\u003e","webhookName":"SlackTableNotifications"}`
	if string(body) != want {
		t.Fatalf("body:\n got %s\nwant %s", body, want)
	}

	body, err = Render(Webhook{ID: "wh1", Name: "n", Format: OpenMetadata}, "msg", []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	decode(t, body, &got)
	entity := got["entity"].(map[string]any)
	if !reflect.DeepEqual(entity["tags"], []any{map[string]any{"tagFQN": "PII.Sensitive"}, map[string]any{"tagFQN": "Tier.1"}}) {
		t.Errorf("tags = %v", entity["tags"])
	}
	if !reflect.DeepEqual(entity["domain"], map[string]any{"type": "domain", "name": "Sales"}) {
		t.Errorf("domain = %v", entity["domain"])
	}
	if _, ok := entity["extension"]; ok {
		t.Error("empty custom metadata sent as extension")
	}
	cd := got["changeDescription"].(map[string]any)
	for _, k := range []string{"fieldsAdded", "fieldsUpdated", "fieldsDeleted"} {
		if l, ok := cd[k].([]any); !ok || len(l) != 0 {
			t.Errorf("a created event's %s = %v, want []", k, cd[k])
		}
	}
}

func TestOpenMetadataChangeValues(t *testing.T) {
	for _, tc := range []struct {
		field, text, want string
	}{
		{"tags", `["PII.Sensitive"]`, `[{"tagFQN":"PII.Sensitive"}]`},
		{"tags", `[{"tagFQN":"A.B"}]`, `[{"tagFQN":"A.B"}]`},
		{"tags", `null`, `null`},
		{"owner", `{"type":"team","name":"x"}`, `{"type":"team","name":"x"}`},
		{"description", `not json`, `"not json"`},
		{"columns", ` [1, 2] `, ` [1, 2] `},
	} {
		text := tc.text
		if got := string(changeValue(tc.field, &text)); got != tc.want {
			t.Errorf("%s %q = %s, want %s", tc.field, tc.text, got, tc.want)
		}
	}
	if changeValue("x", nil) != nil {
		t.Error("an absent value must stay absent")
	}
}

// A workflow event has no OpenMetadata form: it goes as its generic object.
func TestOpenMetadataWorkflowIsGeneric(t *testing.T) {
	w := Webhook{ID: "wh1", Name: "n", Format: OpenMetadata}
	om, err := Render(w, "msg", []schemas.DeliveryTask{task("d", "workflowFailed", wfEvent)})
	if err != nil {
		t.Fatal(err)
	}
	w.Format = Generic
	gen, err := Render(w, "msg", []schemas.DeliveryTask{task("d", "workflowFailed", wfEvent)})
	if err != nil || string(om) != string(gen) {
		t.Fatalf("openmetadata %s\ngeneric %s (%v)", om, gen, err)
	}
}

func TestAtomic(t *testing.T) {
	w := Webhook{ID: "wh1", Name: "n", Format: Atomic, BatchSize: 1}
	body, err := Render(w, "msg_9", []schemas.DeliveryTask{task("d1", "workflowSucceeded", wfOK)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"requestId":"msg_9","webhookId":"wh1","isBatched":false,"data":{"id":"d1","analyticsEvent":"workflowSucceeded",` + wfOK[1:] + `}`
	if string(body) != want {
		t.Fatalf("body:\n got %s\nwant %s", body, want)
	}
	w.BatchSize = 5
	body, err = Render(w, "msg_b", []schemas.DeliveryTask{task("d1", "workflowSucceeded", wfOK), task("d2", "x", "{}")})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"requestId":"msg_b","webhookId":"wh1","isBatched":true,"data":[{"id":"d1","analyticsEvent":"workflowSucceeded",` + wfOK[1:] +
		`,{"id":"d2","analyticsEvent":"x"}]}`
	if string(body) != want {
		t.Fatalf("batch body:\n got %s\nwant %s", body, want)
	}
	if _, err := Render(w, "m", []schemas.DeliveryTask{task("d", "x", "[]")}); err == nil {
		t.Error("a non-object event accepted")
	}
}

// FuzzRender: any event text, in any format and batch shape, either is
// refused or renders valid JSON; it never panics.
func FuzzRender(f *testing.F) {
	for _, ev := range []string{metaEvent, updateEvent, wfEvent, wfOK, "{}", `{"entity":null}`, `{"entity":{"tags":null}}`} {
		f.Add(ev, uint8(1))
	}
	f.Fuzz(func(t *testing.T, ev string, batchSize uint8) {
		tasks := []schemas.DeliveryTask{task("d1", "entityUpdated", ev)}
		for _, format := range Formats {
			body, err := Render(Webhook{ID: "wh1", Name: "n", Format: format, BatchSize: int(batchSize), Template: fuzzTemplate}, "msg", tasks)
			if err == nil && !json.Valid(body) {
				t.Fatalf("%s: invalid JSON %q for %q", format, body, ev)
			}
		}
	})
}

// fuzzTemplate reads every part of an event, for the custom format.
const fuzzTemplate = `{"name": event.entity.name, "tags": event.entity.tags, "meta": event.entity.customMetadata, "changes": event.changeDescription, "run": event.runTime, "steps": event.failedSteps}`
