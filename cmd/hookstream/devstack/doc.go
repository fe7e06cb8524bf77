// Package devstack is `hookstream dev`: an embedded Kafka-protocol broker
// (franz-go kfake, persisted in the data directory), a Confluent-compatible
// Schema Registry whose schemas live in a compacted topic of that broker, every
// topic provisioned, and the health, readiness and metrics endpoints, in one
// process that a newcomer starts with nothing but Go.
package devstack
