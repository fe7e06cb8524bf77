package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/history"
	"github.com/hookstream/hookstream/schemas"
)

var historyParams = slices.Concat(pageParams, []string{"webhookId", "eventType", "successOrFailure", "since", "until"})

func (s *Server) listHistory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pg, err := parsePage(q, "timestamp", "createdAt", "attempt", "statusCode", "latencyMs", "webhookId", "eventType")
	if err != nil {
		return err
	}
	hq := history.Query{
		Visible: s.visibleID(p), WebhookID: q.Get("webhookId"), EventType: q.Get("eventType"),
		SuccessOrFailure: q.Get("successOrFailure"), Offset: pg.offset, PageSize: pg.size,
		SortField: pg.sortField, Descending: pg.descending,
	}
	switch hq.SuccessOrFailure {
	case "", "success", "failure":
	default:
		return badRequest("invalid_parameter", "successOrFailure", "successOrFailure must be success or failure")
	}
	if hq.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if hq.Until, err = timeParam(q, "until"); err != nil {
		return err
	}
	count, records := s.history.Find(hq)
	writeJSON(w, http.StatusOK, list[history.Record]{Count: count, Records: records})
	return nil
}

// retryAttempt redelivers the payload of a history record as a new
// delivery linked to the original (Immuta's retry by history id), whether
// that attempt succeeded or failed.
func (s *Server) retryAttempt(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rec, ok := s.history.Get(r.PathValue("id"))
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
