package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/hookstream/hookstream/schemas"
)

// Patch content types.
const (
	JSONPatch  = "application/json-patch+json"  // RFC 6902, as OpenMetadata
	MergePatch = "application/merge-patch+json" // RFC 7396
)

// PatchKind picks the patch form from the Content-Type; plain JSON is a
// JSON Patch when it is an array and a merge patch when it is an object.
func PatchKind(contentType string, body []byte) (string, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "application/json", nil
	}
	if err != nil {
		return "", fmt.Errorf("Content-Type %q: %w", contentType, err)
	}
	switch mt {
	case JSONPatch, MergePatch:
		return mt, nil
	case "application/json":
		if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
			return JSONPatch, nil
		}
		return MergePatch, nil
	}
	return "", fmt.Errorf("Content-Type must be %s, %s or application/json", JSONPatch, MergePatch)
}

// Patch applies body, of kind (PatchKind), to the webhook as its caller
// sees it (SpecOf: hidden header values as the placeholder) and returns the
// patched document, to be decoded strictly into a Spec by the caller. A
// JSON Patch copy, move or test that reads a hidden header value is
// refused with a *FieldError naming the header: the patch could only read
// the placeholder, and answering a test would tell the value apart.
func Patch(s schemas.Subscription, kind string, body []byte) ([]byte, error) {
	doc, err := json.Marshal(SpecOf(s))
	if err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	if kind == MergePatch {
		out, err := jsonpatch.MergePatch(doc, body)
		if err != nil {
			return nil, fmt.Errorf("merge patch: %w", err)
		}
		return out, nil
	}
	p, err := jsonpatch.DecodePatch(body)
	if err != nil {
		return nil, fmt.Errorf("JSON Patch: %w", err)
	}
	if fe := readsHidden(s, p); fe != nil {
		return nil, fe
	}
	out, err := p.ApplyWithOptions(doc, &jsonpatch.ApplyOptions{
		SupportNegativeIndices: false, AccumulatedCopySizeLimit: 1 << 20, AllowMissingPathOnRemove: false,
		EnsurePathExistsOnAdd: false,
	})
	if err != nil {
		return nil, fmt.Errorf("JSON Patch: %w", err)
	}
	return out, nil
}

// readsHidden finds the first operation of p that reads a hidden header
// value: the from of a copy or move, the path of a test.
func readsHidden(s schemas.Subscription, p jsonpatch.Patch) *FieldError {
	for i, op := range p {
		var ptr string
		switch op.Kind() {
		case "copy", "move":
			ptr, _ = op.From()
		case "test":
			ptr, _ = op.Path()
		default:
			continue
		}
		if name, ok := hiddenPointer(s, ptr); ok {
			return fieldErr("headers."+name, "holds a hidden value; operation %d (%s) cannot read it: set the header's value with add or replace", i, op.Kind())
		}
	}
	return nil
}
