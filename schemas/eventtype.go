package schemas

// Event types of DESIGN §4: the metadata ones an upstream system writes in
// eventType, and the two a workflow event's status stands for. The event
// catalogue may list more; these are the ones every deployment has, so
// metrics label events by them (anything else counts as OtherEventType) and
// a stray type in a record cannot grow a metric without bound.
const (
	EventWorkflowSucceeded = "workflowSucceeded"
	EventWorkflowFailed    = "workflowFailed"
)

// MetadataEventTypes are the built-in metadata event types.
var MetadataEventTypes = []string{
	"entityCreated",
	"entityUpdated",
	"entitySoftDeleted",
	"entityDeleted",
	"customMetadataUpdated",
	"tagAdded",
	"tagRemoved",
}

// OtherEventType is the label of an event whose type is not built in.
const OtherEventType = "other"

// EventTypeLabel is t if it is a built-in event type, else OtherEventType.
func EventTypeLabel(t string) string {
	if t == EventWorkflowSucceeded || t == EventWorkflowFailed {
		return t
	}
	for _, m := range MetadataEventTypes {
		if t == m {
			return t
		}
	}
	return OtherEventType
}

// MaxIDBytes bounds the names a task carries and copies into every record
// about it (event id, event type, webhook id, delivery id). Longer ones
// come only from a hostile or broken writer; the router and the deliverer
// reject them, so what they write about a task stays small whatever the
// event's size.
const MaxIDBytes = 1 << 10
