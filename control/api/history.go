package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/history"
	"github.com/hookstream/hookstream/schemas"
)

// historyParams are the query parameters of GET /api/v1/webhooks/history;
// any other is a 400 naming it. notificationType is Immuta's name for
// eventType; includeGlobal and includeUser are Immuta's filters.
var historyParams = []string{
	"offset", "pageSize", "sortField", "sortOrder", "cursor",
	"webhookId", "eventType", "notificationType", "successOrFailure", "since", "until",
	"includeGlobal", "includeUser",
}

// historyList is a page of history: the list shape, and the cursor that
// continues after it when there may be more.
type historyList struct {
	list[history.Record]
	NextCursor string `json:"nextCursor,omitempty"`
}

func (s *Server) listHistory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains(historyParams, name) {
			return badRequest("unknown_parameter", name, "unknown query parameter "+name+"; the history takes "+strings.Join(historyParams, ", "))
		}
	}
	pg, err := parsePage(q, "timestamp", "createdAt", "attempt", "statusCode", "latencyMs", "webhookId", "eventType")
	if err != nil {
		return err
	}
	eventType := q.Get("eventType")
	if nt := q.Get("notificationType"); nt != "" {
		if eventType != "" && eventType != nt {
			return badRequest("invalid_parameter", "notificationType", "notificationType is another name for eventType; give one, or both equal")
		}
		eventType = nt
	}
	includeGlobal, err := boolParam(q, "includeGlobal", true)
	if err != nil {
		return err
	}
	includeUser, err := boolParam(q, "includeUser", true)
	if err != nil {
		return err
	}
	hq := history.Query{
		Visible: s.historyVisible(p, includeGlobal, includeUser), WebhookID: q.Get("webhookId"), EventType: eventType,
		SuccessOrFailure: q.Get("successOrFailure"), Cursor: q.Get("cursor"), Offset: pg.offset, PageSize: pg.size,
		SortField: pg.sortField, Descending: pg.descending,
	}
	switch hq.SuccessOrFailure {
	case "", "success", "failure":
	default:
		return badRequest("invalid_parameter", "successOrFailure", "successOrFailure must be success or failure")
	}
	if hq.Cursor != "" && pg.sortField != "timestamp" && pg.sortField != "createdAt" {
		return badRequest("invalid_parameter", "cursor", "cursor pages by time: sortField must be timestamp or createdAt")
	}
	if hq.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if hq.Until, err = timeParam(q, "until"); err != nil {
		return err
	}
	page, err := s.history.Find(hq)
	if errors.Is(err, history.ErrBadCursor) {
		return badRequest("invalid_parameter", "cursor", "cursor is not one a history page returned")
	}
	if err != nil {
		return err
	}
	s.fillEvents(r.Context(), page.Records)
	writeJSON(w, http.StatusOK, historyList{list: list[history.Record]{Count: page.Count, Records: page.Records}, NextCursor: page.Next})
	return nil
}

// historyVisible is visibleID narrowed by Immuta's includeGlobal and
// includeUser: without one of them, the history of global (or personal)
// webhooks is left out, and so is that of deleted webhooks, which are
// neither any more.
func (s *Server) historyVisible(p auth.Principal, includeGlobal, includeUser bool) func(string) bool {
	readable := s.visibleID(p)
	if includeGlobal && includeUser {
		return readable
	}
	return func(id string) bool {
		if readable != nil && !readable(id) {
			return false
		}
		w, ok := s.table.Get(id)
		if !ok {
			return false
		}
		if w.Global {
			return includeGlobal
		}
		return includeUser
	}
}

// retryAttempt redelivers the payload of a history record as a new
// delivery linked to the original (Immuta's retry by history id), whether
// that attempt succeeded or failed.
func (s *Server) retryAttempt(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rec, ok, err := s.history.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	if !ok {
		return notFound("history record " + r.PathValue("id"))
	}
	wh, err := s.lookup(p, rec.WebhookID)
	if err != nil {
		return notFound("history record " + rec.ID)
	}
	if !manageable(p, wh) {
		return errGlobalAdminsOnly
	}
	recs := []history.Record{rec}
	s.fillEvents(r.Context(), recs)
	if rec = recs[0]; rec.Event == nil {
		return errNoEvent(&rec)
	}
	now := time.Now().UTC()
	t := schemas.DeliveryTask{
		DeliveryID: newID("msg_retry_"), WebhookID: wh.ID, EventID: rec.EventID, EventType: rec.EventType,
		Event: string(rec.Event), EventTime: rec.Timestamp, RoutedAt: now, Attempt: 1, NotBefore: now,
		OriginalDeliveryID: rec.DeliveryID,
	}
	if err := s.enqueue(r.Context(), []schemas.DeliveryTask{t}); err != nil {
		return err
	}
	s.log.Info("attempt retried", "history_id", rec.ID, "delivery", t.DeliveryID, "by", p.User)
	writeJSON(w, http.StatusAccepted, map[string]string{
		"deliveryId": t.DeliveryID, "originalDeliveryId": rec.DeliveryID, "webhookId": wh.ID, "historyId": rec.ID,
	})
	return nil
}
