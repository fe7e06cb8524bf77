// Package producer is the library upstream systems use to emit hookstream
// events with the right Avro schema, key and headers, and the home of the
// `hookstream produce` command's logic.
package producer
