package api

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Paging defaults (Immuta's).
const (
	defaultPageSize = 20
	maxPageSize     = 1000
)

// page is the offset/pageSize/sortField/sortOrder of a list request.
type page struct {
	offset, size int
	sortField    string
	descending   bool
}

// parsePage reads the paging parameters; sortFields are the allowed sort
// fields, the first being the default.
func parsePage(q url.Values, sortFields ...string) (page, error) {
	p := page{size: defaultPageSize, sortField: sortFields[0], descending: true}
	var err error
	if p.offset, err = intParam(q, "offset", 0, 0, 1<<31-1); err != nil {
		return p, err
	}
	if p.size, err = intParam(q, "pageSize", defaultPageSize, 1, maxPageSize); err != nil {
		return p, err
	}
	if f := q.Get("sortField"); f != "" {
		found := false
		for _, ok := range sortFields {
			found = found || f == ok
		}
		if !found {
			return p, badRequest("invalid_parameter", "sortField", "sortField must be one of "+strings.Join(sortFields, ", "))
		}
		p.sortField = f
	}
	switch q.Get("sortOrder") {
	case "", "desc":
	case "asc":
		p.descending = false
	default:
		return p, badRequest("invalid_parameter", "sortOrder", "sortOrder must be asc or desc")
	}
	return p, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("invalid_parameter", name, name+" must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

// boolParam reads true or false; absent is def.
func boolParam(q url.Values, name string, def bool) (bool, error) {
	switch q.Get(name) {
	case "":
		return def, nil
	case "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, badRequest("invalid_parameter", name, name+" must be true or false")
}

// timeParam reads an RFC 3339 time; absent is the zero time.
func timeParam(q url.Values, name string) (time.Time, error) {
	return parseTime("invalid_parameter", name, q.Get(name))
}

// parseTime reads v, the RFC 3339 time named name; "" is the zero time. A
// bad value is a 400 of code naming the field.
func parseTime(code, name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, badRequest(code, name, name+" must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// list is the shape of every list answer.
type list[T any] struct {
	Count   int `json:"count"`
	Records []T `json:"records"`
}
