// Package platform is the root of hookstream's shared plumbing: topic names
// (topic), flags with environment twins (config), Kafka client options
// (kafka), the metrics and health server (ops) and topic and schema
// provisioning (provision). Components import the sub-packages; nothing here
// holds state of its own.
package platform
