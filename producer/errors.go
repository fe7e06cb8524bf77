package producer

import "fmt"

// ValidationError says which field of an event is wrong and why. It is typed
// so that callers (the produce command, an upstream system's retry loop) can
// tell an event that will never be accepted from a broker that is briefly
// unavailable, and so the message names the field in the JSON layout of the
// event (DESIGN §4), e.g. "entity.id: required".
type ValidationError struct {
	// Field is the JSON path of the field, e.g. "entity.id" or
	// "changeDescription.fieldsUpdated[0].newValue".
	Field string
	// Message says what is wrong with it.
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}
