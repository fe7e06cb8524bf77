package deliver

import (
	"time"
)

// admit sends a due job on its way; a tier job that is not due yet waits in
// its partition's backlog, and the partition is paused until the head is due.
// Tiers have one fixed delay, so notBefore only grows along a partition and
// nothing behind the head can be due before it.
func (d *Deliverer) admit(j *job, now time.Time) {
	p := j.part
	p.mu.Lock()
	if len(p.backlog) == 0 && j.due(now) {
		p.mu.Unlock()
		d.dispatch(j)
		return
	}
	p.backlog = append(p.backlog, j)
	if len(p.backlog) == 1 {
		d.client.PauseFetchPartitions(map[string][]int32{p.topic: {p.num}})
		d.metrics.paused.Inc()
		p.timer = time.AfterFunc(j.dueAt().Sub(now), func() { d.wake(p) })
	}
	p.mu.Unlock()
}

// wake dispatches the due head of a paused partition's backlog and resumes
// fetching once the backlog is empty.
func (d *Deliverer) wake(p *partition) {
	p.mu.Lock()
	if p.revoked || len(p.backlog) == 0 {
		p.mu.Unlock()
		return
	}
	now := time.Now()
	n := 0
	for n < len(p.backlog) && p.backlog[n].due(now) {
		n++
	}
	ready := append([]*job(nil), p.backlog[:n]...)
	p.backlog = p.backlog[n:]
	if len(p.backlog) == 0 {
		p.backlog = nil
		d.client.ResumeFetchPartitions(map[string][]int32{p.topic: {p.num}})
		d.metrics.paused.Dec()
	} else {
		p.timer = time.AfterFunc(p.backlog[0].dueAt().Sub(now), func() { d.wake(p) })
	}
	p.mu.Unlock()
	for _, j := range ready {
		d.dispatch(j)
	}
}
