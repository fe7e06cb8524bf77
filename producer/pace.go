package producer

import (
	"context"
	"time"
)

// Pacer spaces events to a rate. It keeps an absolute schedule (event i is
// due at start + i/rate) rather than sleeping a fixed interval after each
// event, so time spent producing and timer lateness are absorbed instead of
// accumulating, and the achieved rate converges on the asked one. It sleeps
// on a timer when ahead of schedule and never spins.
type Pacer struct {
	interval time.Duration
	start    time.Time
	n        int64
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
}

// NewPacer paces at rate events per second; rate <= 0 means no pacing.
func NewPacer(rate float64) *Pacer {
	p := &Pacer{now: time.Now, sleep: sleepCtx}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
		if p.interval <= 0 {
			p.interval = 1
		}
	}
	return p
}

// Wait returns when the next event is due, or ctx's error if ctx ends first.
func (p *Pacer) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.interval == 0 {
		return nil
	}
	if p.n == 0 {
		p.start = p.now()
	}
	due := p.start.Add(time.Duration(p.n) * p.interval)
	p.n++
	if d := due.Sub(p.now()); d > 0 {
		return p.sleep(ctx, d)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
