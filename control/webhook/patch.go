package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"

	jsonpatch "github.com/evanphx/json-patch/v5"
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

// Patch applies body, of kind (PatchKind), to the JSON of base and returns
// the patched document, to be decoded strictly into a Spec by the caller.
func Patch(base Spec, kind string, body []byte) ([]byte, error) {
	doc, err := json.Marshal(base)
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
	out, err := p.ApplyWithOptions(doc, &jsonpatch.ApplyOptions{
		SupportNegativeIndices: false, AccumulatedCopySizeLimit: 1 << 20, AllowMissingPathOnRemove: false,
		EnsurePathExistsOnAdd: false,
	})
	if err != nil {
		return nil, fmt.Errorf("JSON Patch: %w", err)
	}
	return out, nil
}
