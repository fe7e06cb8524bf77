package deliver

import "github.com/hookstream/hookstream/deliverer/lowwater"

// tracker is the finished state of records that commit together: a
// partition's own records, or those of one of its lanes. Its fields are
// guarded by the partition's mu (lowwater has its own lock).
type tracker struct {
	lw lowwater.Partition
	// coveredEnd and coveredSeq say what the last successful commit has on
	// record: every offset below coveredEnd that was finished by the
	// partition's finish count coveredSeq.
	coveredEnd int64
	coveredSeq uint64
	// waiters are finished jobs of ordered webhooks whose key waits for a
	// commit that has them on record: only then may the key's next task be
	// sent, or a crash could send it before the finished one again.
	waiters []*job
}

// covered reports whether the last commit has j's finish on record.
func (t *tracker) covered(j *job) bool {
	return j.finishSeq <= t.coveredSeq && j.offset < t.coveredEnd
}

// committed records what a successful commit made durable and returns the
// waiters it covers.
func (t *tracker) committed(end int64, seq uint64) []*job {
	t.coveredEnd, t.coveredSeq = end, seq
	var ready []*job
	keep := t.waiters[:0]
	for _, j := range t.waiters {
		if t.covered(j) {
			ready = append(ready, j)
		} else {
			keep = append(keep, j)
		}
	}
	clear(t.waiters[len(keep):])
	t.waiters = keep
	return ready
}
