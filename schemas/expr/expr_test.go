package expr

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookstream/hookstream/schemas"
	"github.com/hookstream/hookstream/schemas/catalog"
)

func ptr(s string) *string { return &s }

func table() *Event {
	return FromMetadata(&schemas.MetadataChangeEvent{
		EventID: "e1", EventType: "entityUpdated", Timestamp: 1700000000000, Actor: "bob",
		Entity: schemas.Entity{
			ID: "t1", Type: "table", Name: "orders", FullyQualifiedName: "db.sales.orders",
			Owner: &schemas.Owner{Type: "user", Name: "alice"}, Tags: []string{"PII.Sensitive", "Tier.Tier1"},
			Domain: "Sales", CustomMetadata: map[string]string{"cardTemplateId": "1"},
		},
		ChangeDescription: &schemas.ChangeDescription{
			FieldsUpdated: []schemas.FieldChange{{Name: "owner", OldValue: ptr(`"carol"`), NewValue: ptr(`"alice"`)}},
		},
	})
}

func workflow() *Event {
	return FromWorkflow(&schemas.WorkflowCompletionEvent{
		EventID: "w1", WorkflowName: "nightly", PackageName: "@atlan/dbt", Status: "failed",
		FailedSteps: []string{"extract"}, RunTime: 42,
	})
}

func TestFilterCompileErrors(t *testing.T) {
	c := MustCompiler()
	for _, tc := range []struct {
		name, src    string
		line, column int
		reason       string
	}{
		{"syntax", `event.entity.type == `, 1, 22, "Syntax error"},
		{"unknown field", `event.entity.nope == "x"`, 1, 13, "undefined field 'nope'"},
		{"unknown variable", `entity.type == "table"`, 1, 1, "undeclared reference to 'entity'"},
		{"type mismatch", `event.timestamp == "yesterday"`, 1, 17, "no matching overload"},
		{"not boolean", `event.entity.name`, 1, 1, "must be a boolean"},
		{"webhook is for templates", `webhook.id == "x"`, 1, 1, "undeclared reference to 'webhook'"},
		{"empty", `  `, 0, 0, "is empty"},
		{"too long", `event.actor == "` + strings.Repeat("a", MaxLength) + `"`, 0, 0, "longer than"},
		{"nested too deep", `[1].exists(a, [2].exists(b, [3].exists(c, c == a)))`, 1, 0, "nesting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Filter(tc.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Line != tc.line || (tc.column != 0 && e.Column != tc.column) || !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q", e.Line, e.Column, e.Reason, tc.line, tc.column, tc.reason)
			}
		})
	}
}

func TestFilterEvaluation(t *testing.T) {
	c := MustCompiler()
	for _, tc := range []struct {
		name, src string
		ev        *Event
		want      bool
		wantErr   error
	}{
		{"type and tag", `event.entity.type == "table" && "PII.Sensitive" in event.entity.tags`, table(), true, nil},
		{"other tag", `"PII.None" in event.entity.tags`, table(), false, nil},
		{"changed owner", `event.eventType == "entityUpdated" && event.changeDescription.fieldsUpdated.exists(f, f.name == "owner")`, table(), true, nil},
		{"change values are JSON text", `event.changeDescription.fieldsUpdated.exists(f, f.newValue == "\"alice\"")`, table(), true, nil},
		{"custom metadata", `event.entity.customMetadata["cardTemplateId"] == "1"`, table(), true, nil},
		{"custom metadata guarded", `"actionFlowConfigId" in event.entity.customMetadata && event.entity.customMetadata["actionFlowConfigId"] == "9"`, table(), false, nil},
		{"missing key is an error", `event.entity.customMetadata["actionFlowConfigId"] == "9"`, table(), false, errAny},
		{"owner", `event.entity.owner.type == "user" && event.entity.owner.name == "alice"`, table(), true, nil},
		{"string functions", `event.entity.fullyQualifiedName.startsWith("db.sales.") && event.entity.name.upperAscii() == "ORDERS"`, table(), true, nil},
		{"per-type entities", `(event.eventType == "entityCreated" && event.entity.type in ["table", "topic"]) || (event.eventType == "entityUpdated" && event.entity.type == "table")`, table(), true, nil},
		{"workflow fields", `event.eventType == "workflowFailed" && event.packageName == "@atlan/dbt" && "extract" in event.failedSteps && event.runTime > 10`, workflow(), true, nil},
		{"metadata filter on a workflow event", `event.entity.type == "table"`, workflow(), false, nil},
		{"cost limit", `event.entity.tags.all(a, event.entity.tags.all(b, a + b != ""))`, manyTags(), false, ErrCostLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := c.Filter(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Matches(NewInput(tc.ev))
			switch {
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("got error %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && err != nil:
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func manyTags() *Event {
	ev := table()
	for i := range 200 {
		ev.Entity.Tags = append(ev.Entity.Tags, strings.Repeat("t", i%10+1))
	}
	return ev
}

func TestTemplates(t *testing.T) {
	c := MustCompiler()
	wh := Webhook{ID: "wh_1", Name: "sales"}
	for _, tc := range []struct {
		name, src string
		ev        *Event
		want      string
	}{
		{"map", `{"text": event.entity.name + " changed", "fqn": event.entity.fullyQualifiedName}`, table(), `{"fqn":"db.sales.orders","text":"orders changed"}`},
		{"webhook", `{"hook": webhook.name, "id": webhook.id, "at": event.timestamp}`, table(), `{"at":1700000000000,"hook":"sales","id":"wh_1"}`},
		{"list", `event.entity.tags.map(t, {"tag": t})`, table(), `[{"tag":"PII.Sensitive"},{"tag":"Tier.Tier1"}]`},
		{"string", `event.entity.name + " by " + event.actor`, table(), `"orders by bob"`},
		{"nested entity", `{"owner": event.entity.owner}`, table(), `{"owner":{"name":"alice","type":"user"}}`},
		{"workflow", `{"text": event.workflowName + " " + event.status, "steps": event.failedSteps}`, workflow(), `{"steps":["extract"],"text":"nightly failed"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := c.Template(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.Render(tc.ev, wh)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	c := MustCompiler()
	for _, src := range []string{`event.timestamp`, `event.entity.type == "table"`, `{"a": event.nope}`} {
		if _, err := c.Template(src); err == nil {
			t.Errorf("%s compiled", src)
		}
	}
	tpl, err := c.Template(`{"card": event.entity.customMetadata["missing"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Render(table(), Webhook{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("got %v, want a no-such-key error", err)
	}
}

func TestDecodeIsTheRouterView(t *testing.T) {
	// The deliverer decodes the task's JSON; the router converts the
	// decoded record. Both must give templates and filters the same event.
	c := MustCompiler()
	tpl, err := c.Template(`{"e": event.entity, "c": event.changeDescription, "t": event.eventType, "id": event.eventId}`)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := tpl.Render(table(), Webhook{})
	if err != nil {
		t.Fatal(err)
	}
	js := `{"eventId":"e1","eventType":"entityUpdated","timestamp":1700000000000,"actor":"bob","entity":{"id":"t1","type":"table","name":"orders","fullyQualifiedName":"db.sales.orders","description":"","owner":{"type":"user","name":"alice"},"tags":["PII.Sensitive","Tier.Tier1"],"domain":"Sales","customMetadata":{"cardTemplateId":"1"}},"changeDescription":{"fieldsAdded":null,"fieldsUpdated":[{"name":"owner","oldValue":"\"carol\"","newValue":"\"alice\""}],"fieldsDeleted":null}}`
	ev, err := Decode(js)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := tpl.Render(ev, Webhook{})
	if err != nil {
		t.Fatal(err)
	}
	if string(direct) != string(decoded) {
		t.Errorf("router view %s\ndecoded     %s", direct, decoded)
	}
	wf, err := Decode(`{"eventId":"w1","workflowName":"nightly","status":"succeeded"}`)
	if err != nil {
		t.Fatal(err)
	}
	if wf.EventType != schemas.EventWorkflowSucceeded {
		t.Errorf("workflow event type %q", wf.EventType)
	}
}

func TestFields(t *testing.T) {
	fs := Fields()
	has := func(kind, path, typ string) {
		t.Helper()
		for _, f := range fs[kind] {
			if f.Path == path {
				if f.Type != typ {
					t.Errorf("%s %s: type %s, want %s", kind, path, f.Type, typ)
				}
				return
			}
		}
		t.Errorf("%s: no field %s in %v", kind, path, fs[kind])
	}
	has("metadata", "eventId", "string")
	has("metadata", "entity.tags", "list(string)")
	has("metadata", "entity.customMetadata", "map(string, string)")
	has("metadata", "entity.owner.name", "string")
	has("metadata", "changeDescription.fieldsUpdated[].newValue", "string")
	has("metadata", "timestamp", "int")
	has("workflow", "eventType", "string")
	has("workflow", "failedSteps", "list(string)")
	has("workflow", "isFirstRun", "bool")
	if fs["workflow"][0].Path != "eventId" || fs["metadata"][1].Path != "eventType" {
		t.Errorf("eventId and eventType do not lead: %v", fs)
	}
	for _, f := range fs["workflow"] {
		if strings.HasPrefix(f.Path, "entity") {
			t.Errorf("workflow lists %s", f.Path)
		}
	}
}

// TestFieldsKindsAreCatalogCategories: the fields are listed under the
// catalogue's event categories, so a UI can pair them with the actions.
func TestFieldsKindsAreCatalogCategories(t *testing.T) {
	fs := Fields()
	if len(fs) != 2 || len(fs[catalog.Metadata]) == 0 || len(fs[catalog.Workflow]) == 0 {
		t.Fatalf("fields by kind: %v", fs)
	}
}
