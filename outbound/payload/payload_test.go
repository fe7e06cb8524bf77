package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hookstream/hookstream/schemas"
)

const (
	metaEvent = `{"eventId":"e1","eventType":"entityCreated","timestamp":1700000000123,` +
		`"entity":{"id":"t1","type":"table","name":"orders","fullyQualifiedName":"db.sales.orders",` +
		`"description":"","owner":{"type":"user","name":"bob"},"tags":["PII.Sensitive","Tier.1"],` +
		`"domain":"Sales","customMetadata":{}},"actor":"alice"}`
	updateEvent = `{"eventId":"e2","eventType":"entityUpdated","timestamp":1700000000999,` +
		`"entity":{"id":"t1","type":"table","name":"orders","fullyQualifiedName":"db.sales.orders","tags":[],"domain":""},` +
		`"changeDescription":{"fieldsAdded":[{"name":"columns.x","newValue":"1"}],"fieldsUpdated":[{"name":"description","oldValue":"\"a\"","newValue":"\"b\""}],"fieldsDeleted":[]},` +
		`"actor":"<!channel> <https://evil|click>"}`
	// Atlan's workflow payload names, including some we do not model, to
	// show generic keeps them untouched.
	wfEvent = `{ "eventId":"w1","domain":"default","startTime":"2024-01-01T00:00:00Z","endTime":"2024-01-01T00:05:00Z",` +
		`"runTime":300,"workflowTemplate":"tpl","packageName":"@atlan/snowflake","workflowId":"wf1","runId":"r1",` +
		`"isSchedule":true,"workflowName":"nightly","cronString":"0 0 * * *","nextRunInMinutes":1440,` +
		`"failedSteps":["extract"],"runningSteps":[],"assetsCreated":0,"assetsUpdated":0,"assetsDeleted":0,` +
		`"lastThreeRuns":["failed","succeeded","succeeded"],"recurringFailuresInDays":1,"isFirstRun":false,` +
		`"isEverRunSuccessfully":true,"status":"failed","potentialIssues":[],"bigNumber":12345678901234567890 }`
	wfOK = `{"eventId":"w2","workflowName":"hourly","runId":"r9","status":"succeeded","runTime":42,"failedSteps":[],"packageName":"@atlan/dbt"}`
)

func task(id, typ, ev string) schemas.DeliveryTask {
	return schemas.DeliveryTask{DeliveryID: id, WebhookID: "wh1", EventType: typ, Event: ev}
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, b)
	}
}

func TestGeneric(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tasks []schemas.DeliveryTask
	}{
		{"metadata", []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent)}},
		{"workflow", []schemas.DeliveryTask{task("d2", "workflowFailed", wfEvent)}},
		{"batch", []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent), task("d2", "workflowFailed", wfEvent), task("d3", "x", "{}")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := render("generic", "wh1", "My hook", tc.tasks)
			if err != nil {
				t.Fatal(err)
			}
			var objs []map[string]any
			if len(tc.tasks) > 1 {
				decode(t, body, &objs)
			} else {
				var o map[string]any
				decode(t, body, &o)
				objs = append(objs, o)
			}
			if len(objs) != len(tc.tasks) {
				t.Fatalf("%d objects for %d tasks", len(objs), len(tc.tasks))
			}
			for i, got := range objs {
				var want map[string]any
				decode(t, []byte(tc.tasks[i].Event), &want)
				want["webhookId"], want["webhookName"] = "wh1", "My hook"
				if !reflect.DeepEqual(got, want) {
					t.Errorf("object %d:\n got %v\nwant %v", i, got, want)
				}
			}
		})
	}
	// Byte-exact: the event's own text follows the two added fields.
	body, err := render("", "wh1", "n", []schemas.DeliveryTask{task("d", "", wfEvent)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"webhookId":"wh1","webhookName":"n",` + strings.TrimPrefix(wfEvent, "{ "); string(body) != want {
		t.Errorf("generic body\n got %s\nwant %s", body, want)
	}
	if !bytes.Contains(body, []byte(`"bigNumber":12345678901234567890`)) {
		t.Error("number formatting not kept")
	}
}

func TestGenericRejectsNonObject(t *testing.T) {
	for _, ev := range []string{"", "[]", "{", `"x"`, "{} {}"} {
		if _, err := render("generic", "w", "n", []schemas.DeliveryTask{task("d", "t", ev)}); err == nil {
			t.Errorf("event %q: no error", ev)
		}
	}
}

func TestUnknownFormatAndEmpty(t *testing.T) {
	_, err := render("discord", "w", "n", []schemas.DeliveryTask{task("d", "t", "{}")})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := render("generic", "w", "n", nil); err == nil {
		t.Error("no tasks: no error")
	}
	if _, err := render("slack", "w", "n", []schemas.DeliveryTask{task("d", "t", "nope")}); err == nil {
		t.Error("slack with bad event JSON: no error")
	}
}

func TestSummaries(t *testing.T) {
	for _, tc := range []struct {
		task       schemas.DeliveryTask
		summary    string
		wantFields []field
	}{
		{task("d", "entityCreated", metaEvent), "entityCreated: table db.sales.orders by alice", []field{
			{"Event type", "entityCreated"}, {"Entity type", "table"}, {"Entity name", "orders"},
			{"Fully qualified name", "db.sales.orders"}, {"Domain", "Sales"}, {"Tags", "PII.Sensitive, Tier.1"},
			{"Owner", "bob"}, {"Actor", "alice"},
		}},
		{task("d", "", updateEvent), "entityUpdated: table db.sales.orders by <!channel> <https://evil|click>", []field{
			{"Event type", "entityUpdated"}, {"Entity type", "table"}, {"Entity name", "orders"},
			{"Fully qualified name", "db.sales.orders"}, {"Changed fields", "columns.x, description"},
			{"Actor", "<!channel> <https://evil|click>"},
		}},
		{task("d", "workflowFailed", wfEvent), "workflowFailed: nightly (run r1) failed steps: extract", []field{
			{"Event type", "workflowFailed"}, {"Workflow", "nightly"}, {"Run", "r1"}, {"Status", "failed"},
			{"Runtime", "300"}, {"Failed steps", "extract"}, {"Package", "@atlan/snowflake"}, {"Domain", "default"},
		}},
		{task("d", "workflowSucceeded", wfOK), "workflowSucceeded: hourly (run r9) succeeded", nil},
	} {
		ev, err := describe(&tc.task)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Summary != tc.summary {
			t.Errorf("summary %q, want %q", ev.Summary, tc.summary)
		}
		if tc.wantFields != nil && !reflect.DeepEqual(ev.Fields, tc.wantFields) {
			t.Errorf("fields\n got %v\nwant %v", ev.Fields, tc.wantFields)
		}
	}
}

type slackMsg struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type, Text string
		} `json:"text"`
		Fields []struct {
			Type, Text string
		} `json:"fields"`
	} `json:"blocks"`
}

func TestSlack(t *testing.T) {
	body, err := render("slack", "wh1", "n", []schemas.DeliveryTask{task("d", "entityUpdated", updateEvent)})
	if err != nil {
		t.Fatal(err)
	}
	var m slackMsg
	decode(t, body, &m)
	wantSummary := "entityUpdated: table db.sales.orders by &lt;!channel&gt; &lt;https://evil|click&gt;"
	if m.Text != wantSummary {
		t.Errorf("text %q", m.Text)
	}
	if len(m.Blocks) != 2 || m.Blocks[0].Type != "section" || m.Blocks[0].Text == nil ||
		m.Blocks[0].Text.Type != "mrkdwn" || m.Blocks[0].Text.Text != wantSummary {
		t.Fatalf("summary block: %s", body)
	}
	fs := m.Blocks[1].Fields
	if m.Blocks[1].Type != "section" || len(fs) != 6 || fs[0].Type != "mrkdwn" || fs[0].Text != "*Event type*\nentityUpdated" ||
		fs[4].Text != "*Changed fields*\ncolumns.x, description" {
		t.Errorf("fields block: %s", body)
	}
	if strings.Contains(string(body), "<http") || strings.Contains(string(body), "<!") {
		t.Errorf("slack body has link or mention markup: %s", body)
	}

	body, err = render("slack", "wh1", "n", []schemas.DeliveryTask{
		task("d1", "entityCreated", metaEvent), task("d2", "workflowFailed", wfEvent), task("d3", "workflowSucceeded", wfOK),
	})
	if err != nil {
		t.Fatal(err)
	}
	m = slackMsg{}
	decode(t, body, &m)
	want := "3 events\n• entityCreated: table db.sales.orders by alice\n• workflowFailed: nightly (run r1) failed steps: extract\n• workflowSucceeded: hourly (run r9) succeeded"
	if m.Text != want || len(m.Blocks) != 1 || m.Blocks[0].Text.Text != want {
		t.Errorf("batch: %s", body)
	}
}

func TestTeams(t *testing.T) {
	type card struct {
		Type     string `json:"@type"`
		Context  string `json:"@context"`
		Summary  string `json:"summary"`
		Title    string `json:"title"`
		Sections []struct {
			Facts []struct{ Name, Value string } `json:"facts"`
		} `json:"sections"`
	}
	body, err := render("msteams", "wh1", "Ops", []schemas.DeliveryTask{task("d", "workflowFailed", wfEvent)})
	if err != nil {
		t.Fatal(err)
	}
	var c card
	decode(t, body, &c)
	s := "workflowFailed: nightly (run r1) failed steps: extract"
	if c.Type != "MessageCard" || c.Context != "http://schema.org/extensions" || c.Summary != s || c.Title != s ||
		len(c.Sections) != 1 || len(c.Sections[0].Facts) != 8 ||
		c.Sections[0].Facts[5] != (struct{ Name, Value string }{"Failed steps", "extract"}) {
		t.Errorf("card: %s", body)
	}

	body, err = render("msteams", "wh1", "Ops", []schemas.DeliveryTask{task("d1", "entityCreated", metaEvent), task("d2", "workflowFailed", wfEvent)})
	if err != nil {
		t.Fatal(err)
	}
	c = card{}
	decode(t, body, &c)
	if c.Summary != "2 events" || c.Title != "2 events (Ops)" || len(c.Sections) != 1 || len(c.Sections[0].Facts) != 2 ||
		c.Sections[0].Facts[0].Value != "entityCreated: table db.sales.orders by alice" || c.Sections[0].Facts[1].Value != s {
		t.Errorf("batch card: %s", body)
	}
}

func TestGoogleChat(t *testing.T) {
	var m map[string]any
	body, err := render("googlechat", "wh1", "n", []schemas.DeliveryTask{task("d", "entityCreated", metaEvent)})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, body, &m)
	want := "entityCreated: table db.sales.orders by alice\nEvent type: entityCreated\nEntity type: table\nEntity name: orders\n" +
		"Fully qualified name: db.sales.orders\nDomain: Sales\nTags: PII.Sensitive, Tier.1\nOwner: bob\nActor: alice"
	if len(m) != 1 || m["text"] != want {
		t.Errorf("googlechat: %s", body)
	}
	m = nil
	body, err = render("googlechat", "wh1", "n", []schemas.DeliveryTask{task("d1", "workflowSucceeded", wfOK), task("d2", "entityCreated", metaEvent)})
	if err != nil {
		t.Fatal(err)
	}
	decode(t, body, &m)
	if m["text"] != "2 events\n• workflowSucceeded: hourly (run r9) succeeded\n• entityCreated: table db.sales.orders by alice" {
		t.Errorf("googlechat batch: %s", body)
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("é", 10) // 20 bytes
	got := truncate(s, 8)
	if len(got) > 8 || !strings.HasSuffix(got, "…") || !json.Valid([]byte(`"`+got+`"`)) {
		t.Errorf("truncate: %q", got)
	}
	if truncate("abc", 8) != "abc" {
		t.Error("short string changed")
	}
}

// render is Render for a webhook whose batchSize is the number of tasks, so
// one task gives an object and several an array.
func render(format, id, name string, tasks []schemas.DeliveryTask) ([]byte, error) {
	return Render(Webhook{ID: id, Name: name, Format: format, BatchSize: len(tasks)}, "msg_1", tasks)
}
