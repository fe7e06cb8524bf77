// Package integration holds hookstream's end-to-end tests: real clients
// against a broker. By default the broker is franz-go's kfake in process; with
// HOOKSTREAM_TEST_KAFKA=real and HOOKSTREAM_TEST_BROKERS set (scripts/test does
// both, starting scripts/kafka-local) the same tests run against Apache Kafka.
package integration
