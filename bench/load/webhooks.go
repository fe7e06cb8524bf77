// Package load creates a benchmark's webhooks through the control API and
// produces its events through the producer library, remembering when each
// event was produced.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// API is the control API of a stack.
type API struct {
	URL, Token string
	client     *http.Client
}

// NewAPI returns a client of the API at url.
func NewAPI(url, token string) *API {
	return &API{URL: url, Token: token, client: &http.Client{Timeout: 30 * time.Second}}
}

// Spec is what a benchmark sets in a webhook beyond its URL; an empty field
// is left to the API's default.
type Spec struct {
	// Filter is a filter expression (none when empty).
	Filter string
	// Ordering is entity, endpoint or none.
	Ordering string
}

// CreateWebhooks creates one global webhook for every URL, subscribed to
// every event type and shaped by spec, and returns their ids in order.
func (a *API) CreateWebhooks(ctx context.Context, namePrefix string, urls []string, spec Spec) ([]string, error) {
	var ids []string
	// The API takes at most 100 webhooks per request.
	for start := 0; start < len(urls); start += 100 {
		end := min(start+100, len(urls))
		var batch []map[string]any
		for i := start; i < end; i++ {
			w := map[string]any{"name": fmt.Sprintf("%s-%d", namePrefix, i), "url": urls[i],
				"global": true, "eventTypes": []string{"*"}}
			if spec.Filter != "" {
				w["filter"] = spec.Filter
			}
			if spec.Ordering != "" {
				w["ordering"] = spec.Ordering
			}
			batch = append(batch, w)
		}
		var created struct {
			CreatedWebhooks []struct{ ID string } `json:"createdWebhooks"`
			Errors          []any                 `json:"errors"`
		}
		if err := a.call(ctx, http.MethodPost, "/api/v1/webhooks", map[string]any{"webhooks": batch}, &created); err != nil {
			return nil, err
		}
		if len(created.Errors) > 0 || len(created.CreatedWebhooks) != end-start {
			return nil, fmt.Errorf("create webhooks: %d created, errors %v", len(created.CreatedWebhooks), created.Errors)
		}
		for _, w := range created.CreatedWebhooks {
			ids = append(ids, w.ID)
		}
	}
	return ids, nil
}

func (a *API) call(ctx context.Context, method, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: answer: %w", method, path, err)
	}
	return nil
}
