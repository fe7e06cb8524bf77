package registry

import "context"

// Entry is one registered schema version as kept in the schemas topic.
type Entry struct {
	Subject    string `json:"subject"`
	Version    int    `json:"version"`
	ID         int    `json:"id"`
	Schema     string `json:"schema"`
	SchemaType string `json:"schemaType,omitempty"`
}

// Store keeps registered schemas durably; platform/schemastore keeps them
// in a compacted Kafka topic.
type Store interface {
	// Load returns every saved entry in the order it was saved.
	Load(ctx context.Context) ([]Entry, error)
	Save(ctx context.Context, e Entry) error
}
