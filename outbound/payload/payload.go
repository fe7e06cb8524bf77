// Package payload renders the HTTP body of one delivery (one task, or a batch
// of tasks of one webhook) in the webhook's payload format (DESIGN §5):
//
//   - generic: the event JSON object with "webhookId" and "webhookName"
//     added and every other byte of the event left as the producer wrote it
//     (workflow events keep Atlan's field names).
//   - openmetadata: OpenMetadata's webhook payload as its documentation
//     shows it (openmetadata.go).
//   - atomic: Atomic's envelope {requestId, webhookId, isBatched, data}
//     (atomic.go).
//   - slack: a Slack incoming-webhook message {"text", "blocks"}.
//   - msteams: an Office 365 connector MessageCard.
//   - googlechat: a Google Chat incoming-webhook message in the "text" form.
//   - custom: the webhook's template, a CEL expression over the event and
//     the webhook, rendered to JSON (custom.go).
//
// A webhook's batchSize, not the number of tasks one request happens to
// carry, decides the shape, so a receiver meets one shape: above 1, a
// generic or openmetadata body is always a JSON array (of one, when only one
// task was waiting) and an atomic body is always batched; at 1, an object.
//
// The chat formats carry a one-line summary per event and a field list; they
// hold no links (hookstream adds none, and Slack's link syntax in event
// values is escaped). A batch becomes one message with one line per event.
package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	fastjson "github.com/segmentio/encoding/json"

	"github.com/hookstream/hookstream/schemas"
)

// Formats.
const (
	Generic      = "generic"
	OpenMetadata = "openmetadata"
	Atomic       = "atomic"
	Slack        = "slack"
	MSTeams      = "msteams"
	GoogleChat   = "googlechat"
	Custom       = "custom"
)

// Formats lists every format, in the order documentation and errors show.
var Formats = []string{Generic, OpenMetadata, Atomic, Slack, MSTeams, GoogleChat, Custom}

// ErrUnknownFormat is returned (wrapped) for a format Render does not know.
var ErrUnknownFormat = errors.New("payload: unknown format")

// Webhook is what of a webhook shapes its bodies.
type Webhook struct {
	ID   string
	Name string
	// Format is the payloadFormat; empty means generic.
	Format string
	// BatchSize is the webhook's batchSize: above 1 the body is in the
	// batched shape whatever the number of tasks.
	BatchSize int
	// Template builds the body of the custom format.
	Template string
}

// batched reports whether bodies of w take the batched shape; a request of
// several tasks always does, whatever batchSize says.
func (w Webhook) batched(tasks int) bool { return w.BatchSize > 1 || tasks > 1 }

// Render builds the body of one request of w carrying tasks. messageID is
// the request's webhook-id, which the atomic envelope carries as its
// requestId. A task whose Event is not a JSON object is an error, as is an
// empty task list.
func Render(w Webhook, messageID string, tasks []schemas.DeliveryTask) ([]byte, error) {
	if len(tasks) == 0 {
		return nil, errors.New("payload: no tasks")
	}
	switch w.Format {
	case Generic, "":
		return renderGeneric(w, tasks)
	case OpenMetadata:
		return renderOpenMetadata(w, tasks)
	case Atomic:
		return renderAtomic(w, messageID, tasks)
	case Custom:
		return renderCustom(w, tasks)
	case Slack, MSTeams, GoogleChat:
	default:
		return nil, fmt.Errorf("%w %q (want %s)", ErrUnknownFormat, w.Format, strings.Join(Formats, ", "))
	}
	evs := make([]event, len(tasks))
	for i := range tasks {
		ev, err := describe(&tasks[i])
		if err != nil {
			return nil, err
		}
		evs[i] = ev
	}
	switch w.Format {
	case Slack:
		return renderSlack(evs)
	case MSTeams:
		return renderTeams(w.Name, evs)
	default:
		return renderGoogleChat(evs)
	}
}

// renderGeneric is one generic object per task, in an array when batched.
func renderGeneric(w Webhook, tasks []schemas.DeliveryTask) ([]byte, error) {
	members := genericMembers(w)
	return list(w.batched(len(tasks)), tasks, func(buf *bytes.Buffer, t *schemas.DeliveryTask) error {
		return splice(buf, members, t)
	})
}

// list writes one item per task, comma separated and in brackets when
// batched.
func list(batched bool, tasks []schemas.DeliveryTask, item func(*bytes.Buffer, *schemas.DeliveryTask) error) ([]byte, error) {
	// Room for the events and what the formats add around each, so the
	// body is not copied as it grows.
	size := 0
	for i := range tasks {
		size += len(tasks[i].Event) + 256
	}
	var buf bytes.Buffer
	buf.Grow(size)
	if batched {
		buf.WriteByte('[')
	}
	for i := range tasks {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := item(&buf, &tasks[i]); err != nil {
			return nil, err
		}
	}
	if batched {
		buf.WriteByte(']')
	}
	return buf.Bytes(), nil
}

// genericMembers are the two webhook fields the generic format splices in
// after each event object's opening brace (splice), so the event's own
// fields, their order and their number formatting are kept exactly. They are
// written as encoding/json.Marshal writes them (FuzzGenericMembersMatchStd),
// once per body, with segmentio's encoder: Marshal of a struct was a
// visible share of rendering, which every delivery does.
func genericMembers(w Webhook) []byte {
	// Room for both fields unescaped; escapes grow it.
	room := make([]byte, 0, len(`{"webhookId":"","webhookName":""}`)+len(w.ID)+len(w.Name))
	b, _ := fastjson.Append(room, struct {
		WebhookID   string `json:"webhookId"`
		WebhookName string `json:"webhookName"`
	}{w.ID, w.Name}, fastjson.EscapeHTML) // two strings cannot fail to encode
	return b[1 : len(b)-1]
}

// splice writes t's event object with members (a non-empty,
// comma-separated list of JSON members, no braces) in front of its own.
//
// The event is checked where it was written, without a copy of its own: with
// members valid, {members,X is one JSON object exactly when {X is (after the
// comma a member must follow, and X ends the object), and {members} when the
// event is {}.
func splice(buf *bytes.Buffer, members []byte, t *schemas.DeliveryTask) error {
	obj := strings.TrimSpace(t.Event)
	if len(obj) < 2 || obj[0] != '{' {
		return errNotObject(t)
	}
	start := buf.Len()
	buf.WriteByte('{')
	buf.Write(members)
	rest := strings.TrimLeft(obj[1:], " \t\r\n")
	if rest[0] != '}' {
		buf.WriteByte(',')
	}
	buf.WriteString(rest)
	if !fastjson.Valid(buf.Bytes()[start:]) {
		buf.Truncate(start)
		return errNotObject(t)
	}
	return nil
}

func errNotObject(t *schemas.DeliveryTask) error {
	return fmt.Errorf("payload: delivery %s: event is not a JSON object", t.DeliveryID)
}

// eventObject is t's event, checked to be one JSON object, for the formats
// that read it rather than splice it. The check (here and in splice) is
// segmentio's validator: it accepts exactly what encoding/json.Valid accepts
// (FuzzValidMatchesStd) at a fraction of the cost, which was a visible share
// of the deliverer's profile.
func eventObject(t *schemas.DeliveryTask) ([]byte, error) {
	obj := bytes.TrimSpace([]byte(t.Event))
	if len(obj) < 2 || obj[0] != '{' || !fastjson.Valid(obj) {
		return nil, errNotObject(t)
	}
	return obj, nil
}

// field is one entry of the link-free field list.
type field struct{ Name, Value string }

// event is what the chat formats show of one task.
type event struct {
	Summary string
	Fields  []field
}

// wire is the union of the two event layouts of DESIGN §4, enough for the
// summary and the field list.
type wire struct {
	EventType string `json:"eventType"`
	// metadata
	Entity *struct {
		Type               string   `json:"type"`
		Name               string   `json:"name"`
		FullyQualifiedName string   `json:"fullyQualifiedName"`
		Tags               []string `json:"tags"`
		Domain             string   `json:"domain"`
		Owner              *struct {
			Name string `json:"name"`
		} `json:"owner"`
	} `json:"entity"`
	ChangeDescription *struct {
		FieldsAdded   []struct{ Name string } `json:"fieldsAdded"`
		FieldsUpdated []struct{ Name string } `json:"fieldsUpdated"`
		FieldsDeleted []struct{ Name string } `json:"fieldsDeleted"`
	} `json:"changeDescription"`
	Actor string `json:"actor"`
	// workflow (Atlan's names)
	WorkflowName string          `json:"workflowName"`
	WorkflowID   string          `json:"workflowId"`
	RunID        string          `json:"runId"`
	Status       string          `json:"status"`
	RunTime      json.RawMessage `json:"runTime"`
	FailedSteps  []string        `json:"failedSteps"`
	PackageName  string          `json:"packageName"`
	Domain       string          `json:"domain"`
}

func describe(t *schemas.DeliveryTask) (event, error) {
	var w wire
	if err := json.Unmarshal([]byte(t.Event), &w); err != nil {
		return event{}, fmt.Errorf("payload: delivery %s: event: %w", t.DeliveryID, err)
	}
	typ := t.EventType
	if typ == "" {
		typ = w.EventType
	}
	var fs []field
	add := func(name, value string) {
		if value != "" {
			fs = append(fs, field{name, value})
		}
	}
	add("Event type", typ)
	var sum strings.Builder
	sum.WriteString(typ)
	sum.WriteString(":")
	if w.Entity == nil && (w.WorkflowName != "" || w.RunID != "" || strings.HasPrefix(typ, "workflow")) {
		name := first(w.WorkflowName, w.WorkflowID)
		sum.WriteString(" " + name)
		if w.RunID != "" {
			sum.WriteString(" (run " + w.RunID + ")")
		}
		if len(w.FailedSteps) > 0 {
			sum.WriteString(" failed steps: " + strings.Join(w.FailedSteps, ", "))
		} else if w.Status != "" {
			sum.WriteString(" " + w.Status)
		}
		add("Workflow", name)
		add("Run", w.RunID)
		add("Status", w.Status)
		if rt := strings.Trim(string(w.RunTime), `"`); rt != "" && rt != "null" {
			add("Runtime", rt)
		}
		add("Failed steps", strings.Join(w.FailedSteps, ", "))
		add("Package", w.PackageName)
		add("Domain", w.Domain)
	} else {
		if e := w.Entity; e != nil {
			sum.WriteString(" " + strings.TrimSpace(e.Type+" "+first(e.FullyQualifiedName, e.Name)))
			add("Entity type", e.Type)
			add("Entity name", e.Name)
			add("Fully qualified name", e.FullyQualifiedName)
			add("Domain", e.Domain)
			add("Tags", strings.Join(e.Tags, ", "))
			if e.Owner != nil {
				add("Owner", e.Owner.Name)
			}
		}
		if cd := w.ChangeDescription; cd != nil {
			var names []string
			for _, l := range [][]struct{ Name string }{cd.FieldsAdded, cd.FieldsUpdated, cd.FieldsDeleted} {
				for _, f := range l {
					names = append(names, f.Name)
				}
			}
			add("Changed fields", strings.Join(names, ", "))
		}
		if w.Actor != "" {
			sum.WriteString(" by " + w.Actor)
		}
		add("Actor", w.Actor)
	}
	return event{Summary: sum.String(), Fields: fs}, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// batchHeader is the first line of a batched chat message.
func batchHeader(n int) string { return strconv.Itoa(n) + " events" }

// Slack limits (Block Kit): section text 3000 chars, 10 fields of 2000.
const (
	slackTextMax   = 3000
	slackFieldMax  = 2000
	slackFieldsMax = 10
)

// slackEscape escapes the three characters Slack's mrkdwn treats as markup,
// so a value can neither form a link nor a mention.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type   string      `json:"type"`
	Text   *slackText  `json:"text,omitempty"`
	Fields []slackText `json:"fields,omitempty"`
}

func renderSlack(evs []event) ([]byte, error) {
	var msg struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}
	if len(evs) == 1 {
		ev := evs[0]
		msg.Text = slackEscape.Replace(ev.Summary)
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Text: &slackText{"mrkdwn", truncate(msg.Text, slackTextMax)}})
		var fs []slackText
		for _, f := range ev.Fields {
			if len(fs) == slackFieldsMax {
				break
			}
			fs = append(fs, slackText{"mrkdwn", truncate("*"+f.Name+"*\n"+slackEscape.Replace(f.Value), slackFieldMax)})
		}
		if len(fs) > 0 {
			msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Fields: fs})
		}
	} else {
		lines := []string{batchHeader(len(evs))}
		for _, ev := range evs {
			lines = append(lines, "• "+slackEscape.Replace(ev.Summary))
		}
		msg.Text = strings.Join(lines, "\n")
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Text: &slackText{"mrkdwn", truncate(msg.Text, slackTextMax)}})
	}
	return json.Marshal(msg)
}

type teamsFact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type teamsSection struct {
	Facts []teamsFact `json:"facts"`
}

func renderTeams(webhookName string, evs []event) ([]byte, error) {
	card := struct {
		Type     string         `json:"@type"`
		Context  string         `json:"@context"`
		Summary  string         `json:"summary"`
		Title    string         `json:"title"`
		Text     string         `json:"text,omitempty"`
		Sections []teamsSection `json:"sections"`
	}{Type: "MessageCard", Context: "http://schema.org/extensions"}
	var facts []teamsFact
	if len(evs) == 1 {
		card.Summary, card.Title = evs[0].Summary, evs[0].Summary
		for _, f := range evs[0].Fields {
			facts = append(facts, teamsFact(f))
		}
	} else {
		card.Summary = batchHeader(len(evs))
		card.Title = card.Summary
		if webhookName != "" {
			card.Title += " (" + webhookName + ")"
		}
		for i, ev := range evs {
			facts = append(facts, teamsFact{Name: strconv.Itoa(i + 1), Value: ev.Summary})
		}
	}
	card.Sections = []teamsSection{{Facts: facts}}
	return json.Marshal(card)
}

func renderGoogleChat(evs []event) ([]byte, error) {
	var lines []string
	if len(evs) == 1 {
		lines = append(lines, evs[0].Summary)
		for _, f := range evs[0].Fields {
			lines = append(lines, f.Name+": "+f.Value)
		}
	} else {
		lines = append(lines, batchHeader(len(evs)))
		for _, ev := range evs {
			lines = append(lines, "• "+ev.Summary)
		}
	}
	return json.Marshal(struct {
		Text string `json:"text"`
	}{strings.Join(lines, "\n")})
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
