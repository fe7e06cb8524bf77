// Package schemas holds hookstream's Avro schemas, their Go types, and the
// serde that reads and writes them in the Confluent Schema Registry wire
// format (magic byte 0, 4-byte big-endian schema id, Avro binary body).
//
// Every topic carries Avro so standard tools can read it; schemas evolve under
// BACKWARD compatibility, so a decoder meets records written with older (or
// newer) schema ids and fills absent fields with their defaults.
package schemas
