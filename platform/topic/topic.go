// Package topic names hookstream's Kafka topics and says how each is
// created: partitions, cleanup policy, retention and the record it carries.
package topic

import (
	"cmp"
	"strconv"
	"time"
)

// DefaultPrefix starts every topic name unless --topic-prefix says otherwise.
const DefaultPrefix = "hookstream."

// DefaultRetryTiers are OpenMetadata's documented back-off: seven attempts
// over about 17 hours.
var DefaultRetryTiers = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 12 * time.Hour}

// Tier is one delayed-retry topic.
type Tier struct {
	Topic string
	Delay time.Duration
}

// Names are the topic names for one prefix and set of retry tiers.
type Names struct {
	Prefix             string
	MetadataChanges    string
	WorkflowCompletion string
	Subscriptions      string
	SubscriptionStatus string
	Deliveries         string
	Tiers              []Tier
	DeadLetters        string
	Attempts           string
	// AttemptsRetention is how long the attempts topic keeps records: the
	// API's history retention (--history-retention), which sets it.
	AttemptsRetention time.Duration
	Rejected          string
	Schemas           string
}

// DefaultAttemptsRetention is the attempts topic's retention, and the
// history's, unless --history-retention says otherwise.
const DefaultAttemptsRetention = 7 * day

// NewNames derives every name from prefix and the retry tier delays.
func NewNames(prefix string, tiers []time.Duration) Names {
	n := Names{
		Prefix:             prefix,
		MetadataChanges:    prefix + "metadata-changes",
		WorkflowCompletion: prefix + "workflow-completions",
		Subscriptions:      prefix + "subscriptions",
		SubscriptionStatus: prefix + "subscription-status",
		Deliveries:         prefix + "deliveries",
		DeadLetters:        prefix + "dead-letters",
		Attempts:           prefix + "attempts",
		AttemptsRetention:  DefaultAttemptsRetention,
		Rejected:           prefix + "rejected",
		Schemas:            prefix + "_schemas",
	}
	for _, d := range tiers {
		n.Tiers = append(n.Tiers, Tier{Topic: prefix + "retry." + ShortDuration(d), Delay: d})
	}
	return n
}

// TaskTopics are the topics of delivery tasks: deliveries and the tiers.
func (n Names) TaskTopics() []string {
	names := []string{n.Deliveries}
	for _, t := range n.Tiers {
		names = append(names, t.Topic)
	}
	return names
}

// ShortDuration writes d in its largest whole unit: 1m, 4h, 250ms.
func ShortDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}

// Spec says how to create one topic.
type Spec struct {
	Name       string
	Partitions int32
	Configs    map[string]string
	// Record is the Avro record name of the values, registered under
	// "<Name>-value"; empty for the schemas topic, which holds JSON.
	Record string
}

const day = 24 * time.Hour

// Specs lists every topic. partitions applies to the event, deliveries and
// tier topics, which bound consumer parallelism; the rest are small.
func (n Names) Specs(partitions int32) []Spec {
	compact := map[string]string{"cleanup.policy": "compact"}
	retain := func(d time.Duration) map[string]string {
		return map[string]string{"cleanup.policy": "delete", "retention.ms": strconv.FormatInt(d.Milliseconds(), 10)}
	}
	specs := []Spec{
		{Name: n.MetadataChanges, Partitions: partitions, Record: "MetadataChangeEvent"},
		{Name: n.WorkflowCompletion, Partitions: partitions, Record: "WorkflowCompletionEvent"},
		{Name: n.Subscriptions, Partitions: 1, Configs: compact, Record: "Subscription"},
		{Name: n.SubscriptionStatus, Partitions: 1, Configs: compact, Record: "SubscriptionStatus"},
		{Name: n.Deliveries, Partitions: partitions, Record: "DeliveryTask"},
	}
	for _, t := range n.Tiers {
		// A task waits up to its delay in the tier: keep at least a week,
		// and never less than twice the delay.
		specs = append(specs, Spec{Name: t.Topic, Partitions: partitions, Configs: retain(max(7*day, 2*t.Delay)), Record: "DeliveryTask"})
	}
	return append(specs,
		Spec{Name: n.DeadLetters, Partitions: 3, Configs: retain(30 * day), Record: "DeadLetter"},
		Spec{Name: n.Attempts, Partitions: 3, Configs: retain(cmp.Or(n.AttemptsRetention, DefaultAttemptsRetention)), Record: "DeliveryAttempt"},
		Spec{Name: n.Rejected, Partitions: 1, Configs: retain(30 * day), Record: "RejectedRecord"},
		Spec{Name: n.Schemas, Partitions: 1, Configs: compact},
	)
}
