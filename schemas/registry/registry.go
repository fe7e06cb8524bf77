package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// Registry is a Confluent-compatible Schema Registry HTTP handler.
type Registry struct {
	fake  *srfake.Registry
	store Store
	log   *slog.Logger
	mux   *http.ServeMux
}

// New restores every schema saved in store (nil for memory only) and returns
// a registry that saves each new version there before it answers.
func New(ctx context.Context, store Store, log *slog.Logger) (*Registry, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{fake: srfake.NewRegistry(), store: store, log: log}
	if store != nil {
		entries, err := store.Load(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if err := r.restore(e); err != nil {
				return nil, err
			}
		}
	}
	r.mux = http.NewServeMux()
	r.mux.HandleFunc("POST /subjects/{subject}/versions", r.handleRegister)
	r.mux.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", r.handleCompatibility)
	r.mux.HandleFunc("POST /compatibility/subjects/{subject}/versions", r.handleCompatibility)
	r.mux.Handle("/", r.fake.Handler())
	return r, nil
}

// Handler serves the registry's REST API.
func (r *Registry) Handler() http.Handler { return r.mux }

// restore puts a saved entry back under its original id and version.
func (r *Registry) restore(e Entry) (err error) {
	sch := sr.Schema{Schema: e.Schema}
	if e.SchemaType != "" {
		if err := sch.Type.UnmarshalText([]byte(e.SchemaType)); err != nil {
			return fmt.Errorf("restore schema %s/%d: %w", e.Subject, e.Version, err)
		}
	}
	if _, ok := r.fake.GetSchema(e.Subject, e.Version); ok {
		return nil
	}
	if r.idKnown(e.ID) {
		// The same schema under a second subject shares its id; srfake
		// hands the id out again only through registration.
		id, version, err := r.fake.RegisterSchema(e.Subject, sch)
		if err != nil {
			return fmt.Errorf("restore schema %s/%d: %w", e.Subject, e.Version, err)
		}
		if id != e.ID || version != e.Version {
			return fmt.Errorf("restore schema %s/%d: came back as id %d version %d, saved as id %d", e.Subject, e.Version, id, version, e.ID)
		}
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("restore schema %s/%d: %v", e.Subject, e.Version, p)
		}
	}()
	r.fake.SeedSchema(e.Subject, e.Version, e.ID, sch)
	return nil
}

func (r *Registry) idKnown(id int) bool {
	rec := httptest.NewRecorder()
	r.fake.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/schemas/ids/%d", id), nil))
	return rec.Code == http.StatusOK
}

type registerRequest struct {
	Schema     string               `json:"schema"`
	SchemaType string               `json:"schemaType,omitempty"`
	References []sr.SchemaReference `json:"references,omitempty"`
}

func (r *Registry) handleRegister(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	body, ok := readRequest(w, req)
	if !ok {
		return
	}
	sch := sr.Schema{Schema: body.Schema, References: body.References}
	if body.SchemaType != "" {
		if err := sch.Type.UnmarshalText([]byte(body.SchemaType)); err != nil {
			writeError(w, http.StatusUnprocessableEntity, 42201, "invalid schema type "+body.SchemaType)
			return
		}
	}
	if sch.Type == sr.TypeAvro {
		if err := checkCompatible(r.level(subject), sch.Schema, r.versions(subject)); err != nil {
			writeError(w, http.StatusConflict, 409, "Schema being registered is incompatible with an earlier schema for subject \""+subject+"\": "+err.Error())
			return
		}
	}
	before, existed := r.latestVersion(subject)
	id, version, err := r.fake.RegisterSchema(subject, sch)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, 42201, err.Error())
		return
	}
	if r.store != nil && (!existed || version > before) {
		e := Entry{Subject: subject, Version: version, ID: id, Schema: sch.Schema}
		if sch.Type != sr.TypeAvro {
			e.SchemaType = sch.Type.String()
		}
		if err := r.store.Save(req.Context(), e); err != nil {
			// The id is in memory but not durable: refuse, so the client
			// retries instead of trusting an id a restart would forget.
			r.log.Error("schema registry: save failed", "subject", subject, "version", version, "err", err)
			writeError(w, http.StatusInternalServerError, 50001, "could not store schema: "+err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"id": id})
}

func (r *Registry) handleCompatibility(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	body, ok := readRequest(w, req)
	if !ok {
		return
	}
	existing := r.versions(subject)
	if v := req.PathValue("version"); v != "" && v != "latest" && len(existing) > 0 {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
			writeError(w, http.StatusUnprocessableEntity, 42202, "invalid version "+v)
			return
		}
		ss, found := r.fake.GetSchema(subject, n)
		if !found {
			writeError(w, http.StatusNotFound, 40402, "version not found")
			return
		}
		existing = []string{ss.Schema.Schema}
	}
	resp := map[string]any{"is_compatible": true}
	if err := checkCompatible(r.level(subject), body.Schema, existing); err != nil {
		resp = map[string]any{"is_compatible": false, "messages": []string{err.Error()}}
	}
	writeJSON(w, http.StatusOK, resp)
}

// level is the subject's compatibility level, falling back to the global one.
func (r *Registry) level(subject string) sr.CompatibilityLevel {
	rec := httptest.NewRecorder()
	r.fake.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/config/"+subject+"?defaultToGlobal=true", nil))
	var cfg struct {
		Level string `json:"compatibilityLevel"`
	}
	var level sr.CompatibilityLevel
	if json.Unmarshal(rec.Body.Bytes(), &cfg) != nil || level.UnmarshalText([]byte(cfg.Level)) != nil {
		return sr.CompatBackward
	}
	return level
}

// versions returns the live schema texts of subject, oldest first.
func (r *Registry) versions(subject string) []string {
	var out []string
	for _, v := range r.versionNumbers(subject) {
		if ss, ok := r.fake.GetSchema(subject, v); ok {
			out = append(out, ss.Schema.Schema)
		}
	}
	return out
}

func (r *Registry) latestVersion(subject string) (int, bool) {
	vs := r.versionNumbers(subject)
	if len(vs) == 0 {
		return 0, false
	}
	return vs[len(vs)-1], true
}

// versionNumbers lists the live versions of subject, ascending.
func (r *Registry) versionNumbers(subject string) []int {
	rec := httptest.NewRecorder()
	r.fake.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/subjects/"+subject+"/versions", nil))
	var vs []int
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &vs) != nil {
		return nil
	}
	sort.Ints(vs)
	return vs
}

func readRequest(w http.ResponseWriter, req *http.Request) (registerRequest, bool) {
	var body registerRequest
	b, err := io.ReadAll(io.LimitReader(req.Body, 8<<20))
	if err != nil || json.Unmarshal(b, &body) != nil || strings.TrimSpace(body.Schema) == "" {
		writeError(w, http.StatusUnprocessableEntity, 42201, "request body must be JSON with a schema")
		return body, false
	}
	return body, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"error_code": code, "message": msg})
}
