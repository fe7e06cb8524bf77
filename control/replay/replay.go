// Package replay re-routes a time range of the event topics to one webhook:
// it lists the offsets of both event topics at `since` and `until`, reads
// what lies between with a consumer of its own (no group, so the router's
// offsets are untouched), matches each event against that webhook only and
// produces a delivery task, tagged with the replay id, for every match.
package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/subscription"
	"github.com/hookstream/hookstream/platform/tail"
	"github.com/hookstream/hookstream/platform/topic"
	"github.com/hookstream/hookstream/platform/wire"
	"github.com/hookstream/hookstream/router/match"
	"github.com/hookstream/hookstream/router/source"
	"github.com/hookstream/hookstream/schemas"
)

// States of a replay.
const (
	Running   = "running"
	Completed = "completed"
	Failed    = "failed"
)

// Progress is what a replay has done so far.
type Progress struct {
	ID        string     `json:"id"`
	WebhookID string     `json:"webhookId"`
	Since     time.Time  `json:"since"`
	Until     time.Time  `json:"until,omitzero"`
	State     string     `json:"state"`
	Total     int64      `json:"total"`   // records in range
	Scanned   int64      `json:"scanned"` // records read
	Matched   int64      `json:"matched"` // tasks produced
	Skipped   int64      `json:"skipped"` // undecodable records
	Error     string     `json:"error,omitempty"`
	StartedAt time.Time  `json:"startedAt"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
}

// Job is one replay; its progress may be read while Run runs.
type Job struct {
	mu sync.Mutex
	p  Progress
}

// NewJob describes a replay of webhookID's events in [since, until).
func NewJob(id, webhookID string, since, until time.Time) *Job {
	return &Job{p: Progress{ID: id, WebhookID: webhookID, Since: since.UTC(), Until: until.UTC(), State: Running, StartedAt: time.Now().UTC()}}
}

// Progress returns a snapshot.
func (j *Job) Progress() Progress {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.p
}

func (j *Job) update(f func(p *Progress)) {
	j.mu.Lock()
	f(&j.p)
	j.mu.Unlock()
}

// Deps are what a replay reads and writes with.
type Deps struct {
	// Client produces the tasks; its options (brokers) also make the
	// replay's own consumer.
	Client *kgo.Client
	Serde  *schemas.Serde
	Names  topic.Names
}

// Run replays for wh, which must be the webhook of the job, and records the
// outcome in the job's progress.
func Run(ctx context.Context, d Deps, j *Job, wh subscription.Webhook) error {
	err := run(ctx, d, j, wh)
	now := time.Now().UTC()
	j.update(func(p *Progress) {
		p.EndedAt, p.State = &now, Completed
		if err != nil {
			p.State, p.Error = Failed, err.Error()
		}
	})
	return err
}

func run(ctx context.Context, d Deps, j *Job, wh subscription.Webhook) error {
	p := j.Progress()
	topics := []string{d.Names.MetadataChanges, d.Names.WorkflowCompletion}
	from, to, total, err := bounds(ctx, kadm.NewClient(d.Client), topics, p.Since, p.Until)
	if err != nil {
		return fmt.Errorf("replay %s: %w", p.ID, err)
	}
	j.update(func(p *Progress) { p.Total = total })
	if total == 0 {
		return nil
	}
	var (
		wg      sync.WaitGroup
		errMu   sync.Mutex
		prodErr error
	)
	index := match.Build([]subscription.Webhook{wh})
	var ids []string
	apply := func(ctx context.Context, r *kgo.Record) {
		var matched, skipped int64
		defer func() {
			j.update(func(p *Progress) { p.Scanned++; p.Matched += matched; p.Skipped += skipped })
		}()
		ev, err := source.Decode(ctx, d.Serde, d.Names.WorkflowCompletion, r)
		if err != nil {
			skipped++
			return
		}
		if ids = index.Match(&ev.Match, ids[:0]); len(ids) == 0 {
			return
		}
		t := source.NewTask(r, &ev, wh.ID, time.Now().UTC())
		t.ReplayID = p.ID
		rec, err := wire.TaskRecord(d.Serde, d.Names.Deliveries, &t)
		if err != nil {
			skipped++
			return
		}
		matched++
		wg.Add(1)
		d.Client.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				errMu.Lock()
				prodErr = errors.Join(prodErr, err)
				errMu.Unlock()
			}
		})
	}
	err = tail.Range(ctx, d.Client.Opts(), from, to, apply)
	wg.Wait()
	if err != nil {
		return fmt.Errorf("replay %s: %w", p.ID, err)
	}
	if prodErr != nil {
		return fmt.Errorf("replay %s: produce: %w", p.ID, prodErr)
	}
	return nil
}

// bounds lists, per partition, the first offset at or after since and the
// first at or after until (the end offset when until is zero or later than
// every record), and how many records lie between.
func bounds(ctx context.Context, adm *kadm.Client, topics []string, since, until time.Time) (from, to tail.Offsets, total int64, err error) {
	start, err := adm.ListOffsetsAfterMilli(ctx, since.UnixMilli(), topics...)
	if err == nil {
		err = start.Error()
	}
	if err != nil {
		return nil, nil, 0, fmt.Errorf("offsets at %s: %w", since.Format(time.RFC3339), err)
	}
	var end kadm.ListedOffsets
	if until.IsZero() {
		end, err = adm.ListEndOffsets(ctx, topics...)
	} else {
		end, err = adm.ListOffsetsAfterMilli(ctx, until.UnixMilli(), topics...)
	}
	if err == nil {
		err = end.Error()
	}
	if err != nil {
		return nil, nil, 0, fmt.Errorf("offsets at %s: %w", until.Format(time.RFC3339), err)
	}
	from, to = tail.Offsets{}, tail.Offsets{}
	start.Each(func(o kadm.ListedOffset) {
		e, ok := end.Lookup(o.Topic, o.Partition)
		if !ok || e.Offset <= o.Offset {
			return
		}
		from.Set(o.Topic, o.Partition, o.Offset)
		to.Set(o.Topic, o.Partition, e.Offset)
		total += e.Offset - o.Offset
	})
	return from, to, total, nil
}
