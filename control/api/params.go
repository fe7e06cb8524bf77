package api

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// pageParams are the paging parameters of every list route (parsePage).
var pageParams = []string{"offset", "pageSize", "sortField", "sortOrder"}

// explainParams: explain reads its sample from the body and takes none.
var explainParams []string

// checkParams refuses a query that does not parse or names a parameter the
// route does not take: a misspelt filter would otherwise be ignored and
// the whole list come back, as if it had matched.
func checkParams(r *http.Request, allowed []string) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("malformed_query", "", "the query string does not parse: "+err.Error())
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(allowed, name) {
			return badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q; %s", name, takes(allowed)))
		}
	}
	return nil
}

func takes(allowed []string) string {
	if len(allowed) == 0 {
		return "this route takes none"
	}
	return "this route takes " + strings.Join(allowed, ", ")
}
