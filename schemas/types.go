package schemas

import "time"

// MetadataChangeEvent is a change to an entity (asset) of an upstream catalog.
type MetadataChangeEvent struct {
	EventID   string `avro:"eventId" json:"eventId"`
	EventType string `avro:"eventType" json:"eventType"`
	// Timestamp is unix milliseconds, as the payload carries it.
	Timestamp         int64              `avro:"timestamp" json:"timestamp"`
	Entity            Entity             `avro:"entity" json:"entity"`
	ChangeDescription *ChangeDescription `avro:"changeDescription" json:"changeDescription,omitempty"`
	Actor             string             `avro:"actor" json:"actor"`
}

// Entity is the asset an event is about.
type Entity struct {
	ID                 string            `avro:"id" json:"id"`
	Type               string            `avro:"type" json:"type"`
	Name               string            `avro:"name" json:"name"`
	FullyQualifiedName string            `avro:"fullyQualifiedName" json:"fullyQualifiedName"`
	Description        string            `avro:"description" json:"description"`
	Owner              *Owner            `avro:"owner" json:"owner,omitempty"`
	Tags               []string          `avro:"tags" json:"tags"`
	Domain             string            `avro:"domain" json:"domain"`
	CustomMetadata     map[string]string `avro:"customMetadata" json:"customMetadata"`
}

// Owner is the user or team that owns an entity.
type Owner struct {
	Type string `avro:"type" json:"type"`
	Name string `avro:"name" json:"name"`
}

// OwnerUser is the owner type of an entity a user owns; the other is "team".
const OwnerUser = "user"

// ChangeDescription lists what an update changed.
type ChangeDescription struct {
	FieldsAdded   []FieldChange `avro:"fieldsAdded" json:"fieldsAdded"`
	FieldsUpdated []FieldChange `avro:"fieldsUpdated" json:"fieldsUpdated"`
	FieldsDeleted []FieldChange `avro:"fieldsDeleted" json:"fieldsDeleted"`
}

// FieldChange is one changed field; values are JSON text.
type FieldChange struct {
	Name     string  `avro:"name" json:"name"`
	OldValue *string `avro:"oldValue" json:"oldValue,omitempty"`
	NewValue *string `avro:"newValue" json:"newValue,omitempty"`
}

// WorkflowCompletionEvent is a finished workflow run. Its JSON names are
// Atlan's workflow payload, kept exactly so Atlan consumers work unchanged.
type WorkflowCompletionEvent struct {
	EventID                 string   `avro:"eventId" json:"eventId"`
	Domain                  string   `avro:"domain" json:"domain"`
	StartTime               string   `avro:"startTime" json:"startTime"`
	EndTime                 string   `avro:"endTime" json:"endTime"`
	RunTime                 int64    `avro:"runTime" json:"runTime"`
	WorkflowTemplate        string   `avro:"workflowTemplate" json:"workflowTemplate"`
	PackageName             string   `avro:"packageName" json:"packageName"`
	WorkflowID              string   `avro:"workflowId" json:"workflowId"`
	RunID                   string   `avro:"runId" json:"runId"`
	IsSchedule              bool     `avro:"isSchedule" json:"isSchedule"`
	WorkflowName            string   `avro:"workflowName" json:"workflowName"`
	CronString              string   `avro:"cronString" json:"cronString"`
	NextRunInMinutes        int64    `avro:"nextRunInMinutes" json:"nextRunInMinutes"`
	FailedSteps             []string `avro:"failedSteps" json:"failedSteps"`
	RunningSteps            []string `avro:"runningSteps" json:"runningSteps"`
	AssetsCreated           int64    `avro:"assetsCreated" json:"assetsCreated"`
	AssetsUpdated           int64    `avro:"assetsUpdated" json:"assetsUpdated"`
	AssetsDeleted           int64    `avro:"assetsDeleted" json:"assetsDeleted"`
	LastThreeRuns           []string `avro:"lastThreeRuns" json:"lastThreeRuns"`
	RecurringFailuresInDays int64    `avro:"recurringFailuresInDays" json:"recurringFailuresInDays"`
	IsFirstRun              bool     `avro:"isFirstRun" json:"isFirstRun"`
	IsEverRunSuccessfully   bool     `avro:"isEverRunSuccessfully" json:"isEverRunSuccessfully"`
	Status                  string   `avro:"status" json:"status"`
	PotentialIssues         []string `avro:"potentialIssues" json:"potentialIssues"`
}

// EventType is workflowSucceeded or workflowFailed, following Status.
func (w *WorkflowCompletionEvent) EventType() string {
	if w.Status == "succeeded" {
		return EventWorkflowSucceeded
	}
	return EventWorkflowFailed
}

// Webhook defaults: what a webhook saved without the field gets, and the
// Avro defaults in Subscription.avsc for records written before the field
// existed (a test holds the two equal).
const (
	DefaultTimeoutSeconds   = 10
	DefaultAutoDisableAfter = 23
)

// Immuta's actionType values: which of its owner's events a personal
// webhook hears. Empty is both.
const (
	// ActionTriggered: the owner's own actions (actor is the owner).
	ActionTriggered = "triggered"
	// ActionReceived: others' actions on assets the owner owns as a user.
	ActionReceived = "received"
)

// Ordering modes of a webhook (docs/delivery.md).
const (
	// OrderingEntity: the tasks of one ordering key (the source event's
	// key) are delivered in log order, one at a time; other keys flow
	// beside them. The default, also of records written before the field.
	OrderingEntity = "entity"
	// OrderingEndpoint: the whole webhook in log order, one request at a
	// time.
	OrderingEndpoint = "endpoint"
	// OrderingNone: no order; requests in parallel.
	OrderingNone = "none"
)

// EffectiveOrdering is s's ordering mode, the default for an empty one.
func (s *Subscription) EffectiveOrdering() string {
	if s.Ordering == "" {
		return OrderingEntity
	}
	return s.Ordering
}

// Subscription is a webhook as stored in the compacted subscriptions topic.
type Subscription struct {
	ID          string   `avro:"id"`
	Name        string   `avro:"name"`
	Description string   `avro:"description"`
	URL         string   `avro:"url"`
	Method      string   `avro:"method"`
	Enabled     bool     `avro:"enabled"`
	Owner       string   `avro:"owner"`
	Global      bool     `avro:"global"`
	ActionType  string   `avro:"actionType"` // refines a personal webhook: ActionTriggered, ActionReceived, "" both
	EventTypes  []string `avro:"eventTypes"`
	Filters     Filters  `avro:"filters"`
	// Filter is a CEL boolean expression over the event (schemas/expr),
	// ANDed with Filters; empty matches every event Filters lets through.
	Filter        string `avro:"filter"`
	PayloadFormat string `avro:"payloadFormat"`
	// Template builds the body of PayloadFormat "custom": a CEL expression
	// over the event and the webhook (schemas/expr).
	Template string `avro:"template"`
	// Headers are the custom headers whose values are not credentials;
	// SealedHeaders the others, each sealed with the secret key. Records
	// written before SealedHeaders existed hold every header in Headers.
	Headers                 map[string]string `avro:"headers"`
	SealedHeaders           map[string][]byte `avro:"sealedHeaders"`
	Signature               string            `avro:"signature"`
	EncryptedSecret         []byte            `avro:"encryptedSecret"`
	PreviousEncryptedSecret []byte            `avro:"previousEncryptedSecret"`
	PreviousSecretExpiresAt *time.Time        `avro:"previousSecretExpiresAt"`
	TimeoutSeconds          int32             `avro:"timeoutSeconds"`
	BatchSize               int32             `avro:"batchSize"`
	Ordering                string            `avro:"ordering"` // OrderingEntity when empty
	MaxAttempts             int32             `avro:"maxAttempts"`
	RateLimitPerSecond      float64           `avro:"rateLimitPerSecond"`
	AutoDisableAfter        int32             `avro:"autoDisableAfter"`
	CreatedAt               time.Time         `avro:"createdAt"`
	UpdatedAt               time.Time         `avro:"updatedAt"`
	CreatedBy               string            `avro:"createdBy"`
}

// Filters narrow which events a subscription receives; empty lists match all.
type Filters struct {
	EntityTypes   []string `avro:"entityTypes" json:"entityTypes"`
	Include       []string `avro:"include" json:"include"`
	Exclude       []string `avro:"exclude" json:"exclude"`
	Domains       []string `avro:"domains" json:"domains"`
	Tags          []string `avro:"tags" json:"tags"`
	WorkflowNames []string `avro:"workflowNames" json:"workflowNames"`
	PackageNames  []string `avro:"packageNames" json:"packageNames"`
}

// SubscriptionStatus is a webhook's delivery health, written by the deliverer.
type SubscriptionStatus struct {
	WebhookID           string     `avro:"webhookId"`
	Status              string     `avro:"status"`
	ConsecutiveFailures int32      `avro:"consecutiveFailures"`
	LastSuccessAt       *time.Time `avro:"lastSuccessAt"`
	LastFailureAt       *time.Time `avro:"lastFailureAt"`
	LastStatusCode      int32      `avro:"lastStatusCode"`
	LastFailureReason   string     `avro:"lastFailureReason"`
	NextAttemptAt       *time.Time `avro:"nextAttemptAt"`
	UpdatedAt           time.Time  `avro:"updatedAt"`
}

// DeliveryTask is one event to deliver to one webhook.
type DeliveryTask struct {
	DeliveryID         string    `avro:"deliveryId"`
	WebhookID          string    `avro:"webhookId"`
	EventID            string    `avro:"eventId"`
	EventType          string    `avro:"eventType"`
	Event              string    `avro:"event"`
	EventTime          time.Time `avro:"eventTime"`
	SourceTopic        string    `avro:"sourceTopic"`
	SourcePartition    int32     `avro:"sourcePartition"`
	SourceOffset       int64     `avro:"sourceOffset"`
	RoutedAt           time.Time `avro:"routedAt"`
	Attempt            int32     `avro:"attempt"`
	NotBefore          time.Time `avro:"notBefore"`
	LastError          string    `avro:"lastError"`
	OriginalDeliveryID string    `avro:"originalDeliveryId"`
	ReplayID           string    `avro:"replayId"`
	// OrderingKey is the source record's key (see Subscription.Ordering).
	OrderingKey string `avro:"orderingKey"`
}

// DeliveryAttempt is one HTTP attempt and its outcome.
type DeliveryAttempt struct {
	AttemptID       string            `avro:"attemptId"`
	DeliveryID      string            `avro:"deliveryId"`
	WebhookID       string            `avro:"webhookId"`
	EventID         string            `avro:"eventId"`
	EventType       string            `avro:"eventType"`
	Attempt         int32             `avro:"attempt"`
	Tier            string            `avro:"tier"`
	Outcome         string            `avro:"outcome"`
	StatusCode      int32             `avro:"statusCode"`
	LatencyMs       int64             `avro:"latencyMs"`
	Error           string            `avro:"error"`
	RequestHeaders  map[string]string `avro:"requestHeaders"`
	ResponseSnippet string            `avro:"responseSnippet"`
	Event           string            `avro:"event"`
	EventOmitted    bool              `avro:"eventOmitted"`
	NextAttemptAt   *time.Time        `avro:"nextAttemptAt"`
	Timestamp       time.Time         `avro:"timestamp"`
	// TaskTopic, TaskPartition and TaskOffset are where the attempted task
	// is; TaskTopic is empty in records written before they existed.
	TaskTopic     string `avro:"taskTopic"`
	TaskPartition int32  `avro:"taskPartition"`
	TaskOffset    int64  `avro:"taskOffset"`
}

// DeadLetter is a task that exhausted its attempts.
type DeadLetter struct {
	Task           DeliveryTask `avro:"task"`
	Reason         string       `avro:"reason"`
	LastStatusCode int32        `avro:"lastStatusCode"`
	Attempts       int32        `avro:"attempts"`
	DeadLetteredAt time.Time    `avro:"deadLetteredAt"`
}

// RejectedRecord is a record a consumer could not decode, route or deliver.
type RejectedRecord struct {
	Topic      string    `avro:"topic"`
	Partition  int32     `avro:"partition"`
	Offset     int64     `avro:"offset"`
	Reason     string    `avro:"reason"`
	Component  string    `avro:"component"`
	Key        []byte    `avro:"key"`
	Value      []byte    `avro:"value"`
	RejectedAt time.Time `avro:"rejectedAt"`
	Truncated  bool      `avro:"truncated"`
	KeySize    int64     `avro:"keySize"`
	ValueSize  int64     `avro:"valueSize"`
}
