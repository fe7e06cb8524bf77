package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookstream/hookstream/platform/config"
	"github.com/hookstream/hookstream/platform/secret"
	"github.com/hookstream/hookstream/platform/topic"
)

// newOpenAPITestServer is a server that is never run: New does not connect
// to Kafka, and the OpenAPI route needs neither a token nor the indexes.
func newOpenAPITestServer(t *testing.T) *Server {
	t.Helper()
	key, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	cfg.Brokers, cfg.Registry, cfg.Partitions, cfg.LogLevel = config.List{"127.0.0.1:9092"}, "http://127.0.0.1:8081", 1, "info"
	cfg.TopicPrefix, cfg.RetryTiers = topic.DefaultPrefix, append(config.Durations(nil), topic.DefaultRetryTiers...)
	cfg.AdminToken, cfg.SecretKey = "admin-token-0123456789", key
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loadOpenAPIDoc parses the embedded document.
func loadOpenAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc
}

var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIOperations returns "METHOD path" for every operation of doc.
func openAPIOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("openapi.json has no paths object")
	}
	ops := map[string]map[string]any{}
	for path, item := range paths {
		pi, ok := item.(map[string]any)
		if !ok {
			t.Errorf("path %s is not an object", path)
			continue
		}
		for key, v := range pi {
			if !slices.Contains(openAPIMethods, key) {
				continue
			}
			op, ok := v.(map[string]any)
			if !ok {
				t.Errorf("%s %s is not an object", key, path)
				continue
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newOpenAPITestServer(t)
	want := map[string]bool{"GET " + OpenAPIPath: true}
	for _, rt := range s.Routes() {
		want[rt.Method+" "+rt.Pattern] = true
	}
	got := openAPIOperations(t, loadOpenAPIDoc(t))
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("route %s is missing from openapi.json", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("openapi.json documents %s, which is not a route", k)
		}
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIOperations checks what a client generator and a fuzzer rely
// on: each operation has an id, documents 401 and 503 (or is the public
// document), and declares its path parameters.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPIDoc(t)
	if doc["openapi"] != "3.0.3" {
		t.Errorf("openapi is %v, want 3.0.3", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	ids := map[string]string{}
	for k, op := range openAPIOperations(t, doc) {
		_, path, _ := strings.Cut(k, " ")
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", k)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s and %s share operationId %s", k, other, id)
		}
		ids[id] = k
		responses, _ := op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s has no responses", k)
		}
		if k == "GET "+OpenAPIPath {
			if sec, ok := op["security"].([]any); !ok || len(sec) != 0 {
				t.Errorf("%s must have security: [] (it needs no token)", k)
			}
		} else {
			for _, code := range []string{"401", "503"} {
				if _, ok := responses[code]; !ok {
					t.Errorf("%s does not document %s", k, code)
				}
			}
		}
		// Path parameters may be declared on the path item or the operation.
		declared := map[string]bool{}
		item, _ := paths[path].(map[string]any)
		for _, list := range []any{item["parameters"], op["parameters"]} {
			params, _ := list.([]any)
			for _, p := range params {
				pm := resolveOpenAPIRef(t, doc, p)
				if pm["in"] == "path" {
					name, _ := pm["name"].(string)
					declared[name] = true
					if pm["required"] != true {
						t.Errorf("%s: path parameter %s is not required", k, name)
					}
				}
			}
		}
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", k, m[1])
			}
			delete(declared, m[1])
		}
		for name := range declared {
			t.Errorf("%s declares path parameter %s, which is not in the path", k, name)
		}
	}
}

// resolveOpenAPIRef follows v's $ref, if it has one.
func resolveOpenAPIRef(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	if r, ok := m["$ref"].(string); ok {
		target, err := openAPIPointer(doc, r)
		if err != nil {
			t.Errorf("%s: %v", r, err)
			return nil
		}
		m, _ = target.(map[string]any)
	}
	return m
}

// openAPIPointer resolves a local reference (#/a/b) in doc.
func openAPIPointer(doc map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, errors.New("not a local reference")
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("does not resolve: %q is under a non-object", tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("does not resolve: no %q", tok)
		}
	}
	return cur, nil
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPIDoc(t)
	used := map[string]bool{}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"]; ok {
				ref, _ := r.(string)
				used[ref] = true
				if !strings.HasPrefix(ref, "#/components/") {
					t.Errorf("%s: $ref %q does not name a component", at, ref)
				} else if _, err := openAPIPointer(doc, ref); err != nil {
					t.Errorf("%s: $ref %q %v", at, ref, err)
				}
			}
			for k, x := range v {
				walk(at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
	if len(used) == 0 {
		t.Fatal("openapi.json has no $ref at all")
	}
	// Every component is used, so none is left stale.
	comps, _ := doc["components"].(map[string]any)
	for kind, v := range comps {
		if kind == "securitySchemes" {
			continue
		}
		m, _ := v.(map[string]any)
		for name := range m {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("component %s is not used", ref)
			}
		}
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	bearer, _ := schemes["bearer"].(map[string]any)
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearer is %v, want http bearer", bearer)
	}
}

func TestOpenAPIServed(t *testing.T) {
	s := newOpenAPITestServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + OpenAPIPath) // no token
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s without a token: %d %s", OpenAPIPath, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("served document does not parse: %v", err)
	}
	if doc["openapi"] != "3.0.3" {
		t.Errorf("served openapi is %v, want 3.0.3", doc["openapi"])
	}
}

// TestOpenAPIQueryParametersMatchRoutes: a route takes exactly the query
// parameters the document lists for it, and documents the 400 any other
// one gets.
func TestOpenAPIQueryParametersMatchRoutes(t *testing.T) {
	s := newOpenAPITestServer(t)
	doc := loadOpenAPIDoc(t)
	ops := openAPIOperations(t, doc)
	for _, rt := range s.Routes() {
		k := rt.Method + " " + rt.Pattern
		op, ok := ops[k]
		if !ok {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		var documented []string
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			if pm := resolveOpenAPIRef(t, doc, p); pm["in"] == "query" {
				documented = append(documented, pm["name"].(string))
			}
		}
		slices.Sort(documented)
		takes := slices.Sorted(slices.Values(rt.params))
		if !slices.Equal(documented, takes) {
			t.Errorf("%s: openapi.json documents query parameters %v, the route takes %v", k, documented, takes)
		}
		if responses, _ := op["responses"].(map[string]any); responses["400"] == nil {
			t.Errorf("%s does not document 400 (an unknown query parameter)", k)
		}
	}
}
