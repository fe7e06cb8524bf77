// Package registry is the Confluent-compatible Schema Registry of the
// embedded stack (`hookstream dev`) and of the test suites: franz-go's srfake
// serves the REST API, this package adds the compatibility check srfake
// leaves out, and keeps every registered schema in a compacted Kafka topic
// (as Confluent's registry does with `_schemas`) so that schema ids survive a
// restart.
package registry
