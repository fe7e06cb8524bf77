package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/deadletter"
	"github.com/hookstream/hookstream/schemas"
)

var deadLetterParams = slices.Concat(pageParams, []string{"webhookId", "includeRedriven"})

func (s *Server) listDeadLetters(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pg, err := parsePage(q, "deadLetteredAt")
	if err != nil {
		return err
	}
	dq := deadletter.Query{Visible: s.visibleID(p), WebhookID: q.Get("webhookId"), Offset: pg.offset, PageSize: pg.size, Oldest: !pg.descending}
	if dq.IncludeRedriven, err = boolParam(q, "includeRedriven", false); err != nil {
		return err
	}
	count, entries := s.deadLetters.Find(dq)
	writeJSON(w, http.StatusOK, list[deadletter.Entry]{Count: count, Records: entries})
	return nil
}

// redriveRequest picks what to redrive: every dead letter the caller may
// see ({"all":true}), a webhook's, or the listed ids.
type redriveRequest struct {
	All       bool     `json:"all"`
	WebhookID string   `json:"webhookId"`
	IDs       []string `json:"ids"`
}

func (s *Server) redriveDeadLetters(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req redriveRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	chosen := 0
	for _, set := range []bool{req.All, req.WebhookID != "", len(req.IDs) > 0} {
		if set {
			chosen++
		}
	}
	if chosen != 1 {
		return badRequest("invalid_field", "all", `give exactly one of "all": true, "webhookId" or "ids"`)
	}
	slices.Sort(req.IDs)
	req.IDs = slices.Compact(req.IDs)
	if req.WebhookID != "" {
		if _, err := s.lookupToManage(p, req.WebhookID); err != nil {
			return err
		}
	}
	_, entries := s.deadLetters.Find(deadletter.Query{Visible: s.visibleID(p), WebhookID: req.WebhookID, IDs: req.IDs})
	if len(req.IDs) > 0 && len(entries) != len(req.IDs) {
		return notFound("one or more dead letters of ids (unknown, already redriven, or not yours)")
	}
	now := time.Now().UTC()
	tasks := make([]schemas.DeliveryTask, 0, len(entries))
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		wh, ok := s.table.Get(e.WebhookID)
		if !ok {
			continue // the webhook is gone; the deliverer would only drop it
		}
		if !manageable(p, wh) {
			if req.All {
				continue // "all" is all the caller may redrive
			}
			return errGlobalAdminsOnly
		}
		tasks = append(tasks, deadletter.Redriven(e, now))
		ids = append(ids, e.ID)
	}
	if len(tasks) > 0 {
		if err := s.enqueue(r.Context(), tasks); err != nil {
			return err
		}
		if err := s.markRedriven(r.Context(), ids, now); err != nil {
			return err
		}
	}
	s.log.Info("dead letters redriven", "count", len(ids), "by", p.User)
	writeJSON(w, http.StatusAccepted, map[string]any{"redriven": len(ids), "ids": ids})
	return nil
}
