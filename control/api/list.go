package api

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/webhook"
	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/schemas/expr"
)

var webhookSort = map[string]func(a, b *subscription.Webhook) int{
	"createdAt": func(a, b *subscription.Webhook) int { return a.CreatedAt.Compare(b.CreatedAt) },
	"updatedAt": func(a, b *subscription.Webhook) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
	"name":      func(a, b *subscription.Webhook) int { return cmp.Compare(a.Name, b.Name) },
	"id":        func(a, b *subscription.Webhook) int { return cmp.Compare(a.ID, b.ID) },
	"status":    func(a, b *subscription.Webhook) int { return cmp.Compare(a.State(), b.State()) },
}

var listWebhooksParams = pageParams

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	pg, err := parsePage(r.URL.Query(), "createdAt", "updatedAt", "name", "id", "status")
	if err != nil {
		return err
	}
	var hits []subscription.Webhook
	for _, wh := range s.webhooks() {
		if readable(p, wh) {
			hits = append(hits, wh)
		}
	}
	by := webhookSort[pg.sortField]
	slices.SortStableFunc(hits, func(a, b subscription.Webhook) int {
		c := by(&a, &b)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if pg.descending {
			return -c
		}
		return c
	})
	out := list[webhook.View]{Count: len(hits), Records: []webhook.View{}}
	for i := pg.offset; i < len(hits) && i < pg.offset+pg.size; i++ {
		out.Records = append(out.Records, webhook.ViewOf(hits[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listActions is the event catalogue, and the fields a filter or template
// expression can read per event kind, for a UI or a user to discover.
func (s *Server) listActions(w http.ResponseWriter, _ *http.Request, _ auth.Principal) error {
	writeJSON(w, http.StatusOK, map[string]any{"actions": s.catalog.Actions(), "fields": expr.Fields()})
	return nil
}
