package schemas

// The event types a workflow event's status stands for. Every event type,
// these included, is listed in the event catalogue (schemas/catalog).
const (
	EventWorkflowSucceeded = "workflowSucceeded"
	EventWorkflowFailed    = "workflowFailed"
)

// MaxIDBytes bounds the names a task carries and copies into every record
// about it (event id, event type, webhook id, delivery id). Longer ones
// come only from a hostile or broken writer; the router and the deliverer
// reject them, so what they write about a task stays small whatever the
// event's size.
const MaxIDBytes = 1 << 10
