package api

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/hookstream/hookstream/control/history"
	"github.com/hookstream/hookstream/platform/provision"
	"github.com/hookstream/hookstream/platform/tail"
)

// expireEvery is how often attempts past the retention are removed.
const expireEvery = time.Minute

// openHistory opens the history index, sets the attempts topic's retention
// to the history's, and returns where the attempts tail resumes (nil: from
// the start). Without --history-dir the index lives in a temporary
// directory that Run removes when it returns.
func (s *Server) openHistory(ctx context.Context, adm *kadm.Client) (*history.Store, tail.Offsets, error) {
	dir := s.cfg.HistoryDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "hookstream-history-")
		if err != nil {
			return nil, nil, fmt.Errorf("history: %w", err)
		}
		dir, s.historyTemp = tmp, tmp
		s.log.Info("history index in a temporary directory (no --history-dir): every start reads the attempts topic again", "dir", dir)
	}
	store, err := history.Open(history.Options{Dir: dir, Retention: s.cfg.HistoryRetention}, s.log)
	if err != nil {
		if s.historyTemp != "" {
			os.RemoveAll(s.historyTemp)
		}
		return nil, nil, err
	}
	if changed, err := provision.Retention(ctx, adm, s.names.Attempts, s.cfg.HistoryRetention); err != nil {
		s.log.Warn("history: could not set the attempts topic's retention", "topic", s.names.Attempts, "err", err)
	} else if changed {
		s.log.Info("history: attempts topic retention set", "topic", s.names.Attempts, "retention", s.cfg.HistoryRetention)
	}
	// An attempt points at its task for its event: the task topics keep
	// their records at least as long as the history keeps attempts.
	for _, name := range s.names.TaskTopics() {
		if changed, err := provision.RetentionAtLeast(ctx, adm, name, s.cfg.HistoryRetention); err != nil {
			s.log.Warn("history: could not raise a task topic's retention to the history's", "topic", name, "err", err)
		} else if changed {
			s.log.Info("history: task topic retention raised to the history's", "topic", name, "retention", s.cfg.HistoryRetention)
		}
	}
	from, err := s.resumeFrom(ctx, adm, store)
	if err != nil {
		store.Close()
		if s.historyTemp != "" {
			os.RemoveAll(s.historyTemp)
		}
		return nil, nil, err
	}
	return store, from, nil
}

// resumeFrom is the checkpoint the index holds, unless the topic no longer
// reaches it (it was deleted and created again): then the index starts over.
func (s *Server) resumeFrom(ctx context.Context, adm *kadm.Client, store *history.Store) (tail.Offsets, error) {
	applied, err := store.Offsets(s.names.Attempts)
	if err != nil || len(applied) == 0 {
		return nil, err
	}
	ends, err := tail.EndOffsets(ctx, adm, s.names.Attempts)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	for p, o := range applied {
		if end := ends[s.names.Attempts][p]; o > end {
			s.log.Warn("history: the attempts topic is behind the index's checkpoint (recreated?): rebuilding", "partition", p, "checkpoint", o, "end", end)
			return nil, store.Reset()
		}
	}
	s.log.Info("history: resuming", "attempts", store.Len(), "partitions", len(applied))
	return tail.Offsets{s.names.Attempts: applied}, nil
}
