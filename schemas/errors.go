package schemas

import "errors"

// Decode errors. Callers branch on them with errors.Is to send a record to the
// rejected topic with a precise reason.
var (
	// ErrBadHeader: the value is shorter than 5 bytes or its magic byte is not 0.
	ErrBadHeader = errors.New("bad wire header: magic byte 0 and a 4-byte schema id expected")
	// ErrUnknownSchemaID: the registry does not know the value's schema id.
	ErrUnknownSchemaID = errors.New("unknown schema id")
	// ErrWrongRecord: the value's schema is another record than the one asked for.
	ErrWrongRecord = errors.New("schema is for another record type")
	// ErrMalformed: the Avro body does not decode with its writer schema.
	ErrMalformed = errors.New("malformed Avro body")
	// ErrRegistry: the registry could not be asked (network, 5xx); retryable.
	ErrRegistry = errors.New("schema registry unavailable")
)
