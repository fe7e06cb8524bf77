// Package schemas holds hookstream's Avro schemas, their Go types, and the
// serde that reads and writes them in the Confluent Schema Registry wire
// format (magic byte 0, 4-byte big-endian schema id, Avro binary body).
//
// Every topic carries Avro so standard tools can read it; schemas evolve under
// BACKWARD compatibility, so a decoder meets records written with older (or
// newer) schema ids. Fields are matched by name: a writer's field the Go type
// lacks is read past, and a Go field the writer lacks is left as it was (its
// zero value in a fresh value; the reader's Avro default is not applied).
//
// Read the files in this order:
//   - types.go, avro/*.avsc: the records, in Go and in Avro.
//   - set.go: loading and parsing schemas (goavro.NewCodec validates each).
//   - serde.go, errors.go: the wire format, the registry, the error classes.
//   - node.go: the parsed Avro type tree the codec is compiled from.
//   - codec_compile.go: one plan per (writer schema, Go type), cached.
//   - codec_reader.go, codec_decode.go, codec_skip.go: Avro binary into Go
//     values, and past fields the Go type lacks.
//   - codec_encode.go, codec_default.go: Go values to Avro binary, and the
//     defaults of fields the Go type lacks.
//   - codec_reference_test.go, codec_diff_test.go: the goavro path the codec
//     replaced, kept as its reference, and the tests that hold them equal.
package schemas
