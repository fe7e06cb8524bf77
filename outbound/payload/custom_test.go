package payload

import (
	"strings"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

func TestCustom(t *testing.T) {
	wh := Webhook{ID: "wh1", Name: "sales alerts", Format: Custom}
	for _, tc := range []struct {
		name     string
		template string
		batch    int
		tasks    []schemas.DeliveryTask
		want     string
	}{
		{"map", `{"text": event.entity.name + " changed", "fqn": event.entity.fullyQualifiedName}`, 1,
			[]schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}, `{"fqn":"db.sales.orders","text":"orders changed"}`},
		{"webhook and numbers", `{"hook": webhook.name, "id": webhook.id, "at": event.timestamp}`, 1,
			[]schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}, `{"at":1700000000123,"hook":"sales alerts","id":"wh1"}`},
		{"string", `event.eventType + ": " + event.entity.name`, 1,
			[]schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}, `"entityCreated: orders"`},
		{"list", `event.changeDescription.fieldsUpdated.map(f, f.name)`, 1,
			[]schemas.DeliveryTask{task("d2", "entityUpdated", updateEvent)}, `["description"]`},
		{"workflow", `{"text": event.workflowName + " " + event.status, "type": event.eventType}`, 1,
			[]schemas.DeliveryTask{task("w1", "workflowFailed", wfEvent)}, `{"text":"nightly failed","type":"workflowFailed"}`},
		{"batched is an array", `{"n": event.entity.name}`, 10,
			[]schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}, `[{"n":"orders"}]`},
		{"batch of two", `event.eventId`, 1,
			[]schemas.DeliveryTask{task("d1", "entityCreated", metaEvent), task("d2", "entityUpdated", updateEvent)}, `["e1","e2"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := wh
			w.Template, w.BatchSize = tc.template, tc.batch
			got, err := Render(w, "msg", tc.tasks)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCustomErrors: a template that does not compile, or fails on one
// event, fails the body with a reason naming the delivery.
func TestCustomErrors(t *testing.T) {
	for _, tc := range []struct{ name, template, want string }{
		{"no template", ``, "is empty"},
		{"does not compile", `{"x": event.entity.nope}`, "undefined field 'nope'"},
		{"missing key", `{"card": event.entity.customMetadata["cardTemplateId"]}`, "delivery d1: template: expression: no such key: cardTemplateId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(Webhook{ID: "wh1", Format: Custom, Template: tc.template}, "msg", []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestTemplateCompiledOnce: the second rendering of a template reuses the
// program compiled for the first.
func TestTemplateCompiledOnce(t *testing.T) {
	src := `{"once": event.eventId}`
	first, err := templates.get(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(Webhook{Format: Custom, Template: src}, "msg", []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}); err != nil {
		t.Fatal(err)
	}
	again, _ := templates.get(src)
	if again != first {
		t.Error("the template was compiled again")
	}
}
