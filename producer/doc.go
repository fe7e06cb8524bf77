// Package producer is the library upstream systems use to emit hookstream
// events with the right Avro schema, key and headers, and the home of the
// `hookstream produce` command's logic.
//
//	c, err := producer.New(ctx, producer.Config{Brokers: brokers, RegistryURL: url})
//	...
//	defer c.Close()
//	err = c.EmitMetadata(ctx, &schemas.MetadataChangeEvent{
//		EventType: "tagAdded",
//		Entity:    schemas.Entity{ID: "t-1", Type: "table", Name: "orders", Tags: []string{"PII.Sensitive"}},
//	})
//
// Files, one concern each: client.go (connection, schema registration),
// emit.go (sync and async emit), encode.go (event to record: key, header,
// Avro), validate.go (required fields, event catalogue, defaults), parse.go
// (strict JSON lines), errors.go (ValidationError), synthetic.go (realistic
// generated load) and pace.go (rate limiting).
package producer
