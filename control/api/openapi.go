package api

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 document of the routes; TestOpenAPIMatchesRoutes
// keeps its paths and methods equal to Routes.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
