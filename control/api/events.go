package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/hookstream/hookstream/control/history"
	"github.com/hookstream/hookstream/control/taskread"
)

// fillEvents reads the events of records that point at their task from
// the task topics, in one read for the page. A record whose task cannot be
// read keeps no event and says why in EventUnavailable; the page is still
// served.
//
// Only the task topics are read: an attempt record pointing anywhere else
// (a foreign producer's) is answered as one whose task is unavailable.
func (s *Server) fillEvents(ctx context.Context, recs []history.Record) {
	taskTopics := s.names.TaskTopics()
	var places []taskread.Place
	for i := range recs {
		r := &recs[i]
		switch {
		case !r.NeedsEvent():
		case !slices.Contains(taskTopics, r.Task.Topic):
			r.Task, r.EventUnavailable = history.TaskRef{}, "the attempt points at "+r.Task.Topic+", which is not a task topic"
		default:
			places = append(places, place(r.Task))
		}
	}
	if len(places) == 0 {
		return
	}
	got := s.tasks.Read(ctx, places)
	for i := range recs {
		r := &recs[i]
		if !r.NeedsEvent() {
			continue
		}
		res := got[place(r.Task)]
		switch {
		case errors.Is(res.Err, taskread.ErrGone):
			r.EventUnavailable = "the task's record is no longer in " + r.Task.Topic + " (removed by retention, or the topic was made again)"
		case res.Err != nil:
			s.log.Warn("history: reading an attempt's task", "history_id", r.ID, "err", res.Err)
			r.EventUnavailable = "the task's record could not be read: " + res.Err.Error()
		case res.Task.DeliveryID != r.DeliveryID:
			// The topic was deleted and created again: the offset now holds
			// another task.
			r.EventUnavailable = "the task's record is no longer in " + r.Task.Topic + " (the offset holds another delivery)"
		case !json.Valid([]byte(res.Task.Event)):
			// A foreign producer's task: left out rather than breaking the
			// page, as the index does with an attempt's own event.
			r.EventUnavailable = "the task's event is not JSON"
		default:
			r.Event = json.RawMessage(res.Task.Event)
		}
	}
}

func place(t history.TaskRef) taskread.Place {
	return taskread.Place{Topic: t.Topic, Partition: t.Partition, Offset: t.Offset}
}

// errNoEvent refuses to redeliver a history record whose event is not
// known (it was left out of an oversized attempt, or its task is gone).
func errNoEvent(r *history.Record) *apiError {
	why := r.EventUnavailable
	if why == "" {
		why = "the attempt was recorded without its event (it was over the record size limit)"
	}
	return &apiError{Status: http.StatusConflict, Code: "event_unavailable", Message: "history record " + r.ID + " cannot be redelivered: " + why}
}
