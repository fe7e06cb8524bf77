package api

import (
	"net/http"
	"sync"
	"time"

	"github.com/hookstream/hookstream/control/auth"
	"github.com/hookstream/hookstream/control/replay"
)

// replays are the replay jobs this process started; their progress lives
// here only (a replay is a burst of produced tasks, re-runnable at will).
type replays struct {
	mu   sync.Mutex
	jobs map[string]*replay.Job
	wg   sync.WaitGroup
}

func newReplays() *replays { return &replays{jobs: map[string]*replay.Job{}} }

func (r *replays) wait() { r.wg.Wait() }

// replayRequest is read as text so a bad time is a 400 naming its field,
// not a decoder's message.
type replayRequest struct {
	Since string `json:"since"`
	Until string `json:"until"`
}

func (s *Server) startReplay(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	wh, err := s.lookupToManage(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req replayRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	if req.Since == "" {
		return badRequest("invalid_field", "since", "since is required (RFC 3339)")
	}
	since, err := parseTime("invalid_field", "since", req.Since)
	if err != nil {
		return err
	}
	until, err := parseTime("invalid_field", "until", req.Until)
	if err != nil {
		return err
	}
	switch {
	case since.Before(time.Unix(0, 0)):
		// Kafka reads negative timestamps as "earliest"/"latest".
		return badRequest("invalid_field", "since", "since must not be before 1970-01-01T00:00:00Z")
	case !until.IsZero() && !until.After(since):
		return badRequest("invalid_field", "until", "until must be after since")
	case since.After(time.Now()):
		return badRequest("invalid_field", "since", "since is in the future")
	}
	if !wh.Deliverable() {
		return &apiError{Status: http.StatusConflict, Code: "webhook_not_deliverable", Field: "status",
			Message: "the webhook is " + wh.State() + "; enable it (PATCH) before replaying"}
	}
	job := replay.NewJob(newID("rp_"), wh.ID, since, until)
	s.replays.mu.Lock()
	s.replays.jobs[job.Progress().ID] = job
	s.replays.mu.Unlock()
	s.replays.wg.Add(1)
	go func() {
		defer s.replays.wg.Done()
		// The replay outlives the request; it ends with the process.
		if err := replay.Run(s.runCtx, s.replayDeps(), job, wh); err != nil {
			s.log.Error("replay failed", "replay", job.Progress().ID, "webhook", wh.ID, "err", err)
			return
		}
		pr := job.Progress()
		s.log.Info("replay done", "replay", pr.ID, "webhook", wh.ID, "scanned", pr.Scanned, "matched", pr.Matched)
	}()
	s.log.Info("replay started", "replay", job.Progress().ID, "webhook", wh.ID, "by", p.User)
	writeJSON(w, http.StatusAccepted, job.Progress())
	return nil
}

func (s *Server) getReplay(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	wh, err := s.lookup(p, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.replays.mu.Lock()
	job, ok := s.replays.jobs[r.PathValue("replayId")]
	s.replays.mu.Unlock()
	if !ok || job.Progress().WebhookID != wh.ID {
		return notFound("replay " + r.PathValue("replayId"))
	}
	writeJSON(w, http.StatusOK, job.Progress())
	return nil
}
