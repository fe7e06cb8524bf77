package payload

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hookstream/hookstream/schemas"
)

// omEvent is OpenMetadata's webhook payload, in the field order of its
// documented example: eventId, eventType, timestamp (unix ms), entity,
// changeDescription, webhookName.
//
// Beside the example's fields it carries only what the event holds and
// OpenMetadata names: the entity's domain as an entity reference and its
// custom metadata as `extension` (both when set), and the actor as
// `userName`, the name OpenMetadata's ChangeEvent gives it. The example's
// "signature" field is left out: a body cannot hold an HMAC of itself, and
// the documented verify_signature reads the signature from the
// X-OpenMetadata-Signature header.
type omEvent struct {
	EventID           string   `json:"eventId"`
	EventType         string   `json:"eventType"`
	Timestamp         int64    `json:"timestamp"`
	Entity            omEntity `json:"entity"`
	ChangeDescription omChange `json:"changeDescription"`
	UserName          string   `json:"userName,omitempty"`
	WebhookName       string   `json:"webhookName"`
}

type omEntity struct {
	ID                 string            `json:"id"`
	Type               string            `json:"type"`
	Name               string            `json:"name"`
	FullyQualifiedName string            `json:"fullyQualifiedName"`
	Description        string            `json:"description"`
	Owner              *schemas.Owner    `json:"owner,omitempty"`
	Tags               []omTag           `json:"tags"`
	Domain             *schemas.Owner    `json:"domain,omitempty"`
	Extension          map[string]string `json:"extension,omitempty"`
}

// omTag is OpenMetadata's TagLabel, of which the documented payload shows
// tagFQN only.
type omTag struct {
	TagFQN string `json:"tagFQN"`
}

// omChange always holds its three lists, empty ones included, as the
// documented example does, so a receiver can iterate them unconditionally.
type omChange struct {
	FieldsAdded   []omFieldChange `json:"fieldsAdded"`
	FieldsUpdated []omFieldChange `json:"fieldsUpdated"`
	FieldsDeleted []omFieldChange `json:"fieldsDeleted"`
}

// omFieldChange carries the values as JSON values, not as the JSON text the
// event holds them in.
type omFieldChange struct {
	Name     string          `json:"name"`
	OldValue json.RawMessage `json:"oldValue,omitempty"`
	NewValue json.RawMessage `json:"newValue,omitempty"`
}

// renderOpenMetadata is one OpenMetadata payload per metadata event, in an
// array when batched. A workflow event has no OpenMetadata form and is sent
// as its generic object (Atlan's workflow fields, webhookId, webhookName).
func renderOpenMetadata(w Webhook, tasks []schemas.DeliveryTask) ([]byte, error) {
	members := genericMembers(w)
	return list(w.batched(len(tasks)), tasks, func(buf *bytes.Buffer, t *schemas.DeliveryTask) error {
		obj, err := eventObject(t)
		if err != nil {
			return err
		}
		var probe struct {
			Entity json.RawMessage `json:"entity"`
		}
		if err := json.Unmarshal(obj, &probe); err != nil {
			return fmt.Errorf("payload: delivery %s: event: %w", t.DeliveryID, err)
		}
		if len(probe.Entity) == 0 || string(probe.Entity) == "null" {
			return splice(buf, members, t)
		}
		var ev schemas.MetadataChangeEvent
		if err := json.Unmarshal(obj, &ev); err != nil {
			return fmt.Errorf("payload: delivery %s: event: %w", t.DeliveryID, err)
		}
		b, err := json.Marshal(openMetadataEvent(&ev, w.Name))
		if err != nil {
			return fmt.Errorf("payload: delivery %s: %w", t.DeliveryID, err)
		}
		buf.Write(b)
		return nil
	})
}

func openMetadataEvent(ev *schemas.MetadataChangeEvent, webhookName string) omEvent {
	e := &ev.Entity
	out := omEvent{
		EventID: ev.EventID, EventType: ev.EventType, Timestamp: ev.Timestamp, UserName: ev.Actor, WebhookName: webhookName,
		Entity: omEntity{
			ID: e.ID, Type: e.Type, Name: e.Name, FullyQualifiedName: e.FullyQualifiedName, Description: e.Description,
			Owner: e.Owner, Tags: tagLabels(e.Tags),
		},
	}
	if e.Domain != "" {
		out.Entity.Domain = &schemas.Owner{Type: "domain", Name: e.Domain}
	}
	if len(e.CustomMetadata) > 0 {
		out.Entity.Extension = e.CustomMetadata
	}
	var cd schemas.ChangeDescription
	if ev.ChangeDescription != nil {
		cd = *ev.ChangeDescription
	}
	out.ChangeDescription = omChange{
		FieldsAdded: fieldChanges(cd.FieldsAdded), FieldsUpdated: fieldChanges(cd.FieldsUpdated), FieldsDeleted: fieldChanges(cd.FieldsDeleted),
	}
	return out
}

func tagLabels(fqns []string) []omTag {
	out := make([]omTag, len(fqns))
	for i, f := range fqns {
		out[i] = omTag{TagFQN: f}
	}
	return out
}

func fieldChanges(in []schemas.FieldChange) []omFieldChange {
	out := make([]omFieldChange, len(in))
	for i, c := range in {
		out[i] = omFieldChange{Name: c.Name, OldValue: changeValue(c.Name, c.OldValue), NewValue: changeValue(c.Name, c.NewValue)}
	}
	return out
}

// changeValue turns a change's JSON text into the JSON value it holds. A
// change of `tags` written as tag FQN strings (the event's own tag layout)
// becomes tag labels, as the entity's tags do. Text that is not JSON (a
// producer that wrote a bare word) is sent as a JSON string, so the payload
// stays valid and nothing is lost.
func changeValue(field string, text *string) json.RawMessage {
	if text == nil {
		return nil
	}
	raw := []byte(*text)
	if !json.Valid(raw) {
		b, _ := json.Marshal(*text) // a string always marshals
		return b
	}
	if field == "tags" && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		var fqns []string
		if json.Unmarshal(raw, &fqns) == nil {
			if b, err := json.Marshal(tagLabels(fqns)); err == nil {
				return b
			}
		}
	}
	return raw
}
