package deliver

import (
	"slices"
)

// A lane is one webhook's records of one deliveries partition, tracked and
// committed on their own. Two things need one:
//
//   - An ordered webhook whose task failed keeps the task where it is (it
//     waits in memory for its retry, see order.go) instead of moving it to a
//     retry topic, where a later task of its key could overtake it. Waiting
//     in the partition's own tracker would hold its commit back for every
//     webhook, for as long as the retry waits; in a lane it holds back only
//     the lane.
//   - A webhook that fails or is slower than its inflow for a sustained time
//     is parked: its records stay in the log instead of in memory or in a
//     retry topic, and the lane takes them up again from where it stopped
//     once the endpoint has room (the partition is rewound to there). A
//     move aside is no attempt and waits for no tier.
//
// From the moment a lane exists it owns every record of its webhook in the
// partition from its mark on: the partition counts them as finished (the
// lane has them on record in the commit's metadata, offsetmap.go), the lane
// tracks what it took. A lane ends when it has nothing left to finish.
type lane struct {
	webhook string
	part    *partition
	trk     tracker
	// next is the next offset of the webhook the lane takes: records below
	// it were taken (or are finished); at a park it goes back to the first
	// record put back.
	next int64
	// parked: the lane takes nothing until its endpoint has room.
	parked bool
	// skippedTo is the offset after the last record the lane passed over
	// (parked) or put back: until next reaches it the lane has records to
	// read again.
	skippedTo int64
	// lowered is the partition's read (partition.read) in which the lane
	// last parked or went back: records it passes over from then on are
	// read again in a later read that starts at or below next.
	lowered uint64
	// recovering: the lane came from the commit this process started from,
	// and the partition has not been read past that commit's offset yet.
	recovering bool
	// done is what a recovered lane's commit said is finished.
	done finished
	// kept are offsets above next whose jobs stayed in memory at a park.
	kept map[int64]bool
	// live are the offsets of the lane's jobs in memory (guarded by the
	// partition's mu), so that a record the lane counts unfinished but no
	// job holds is found and read again (heal).
	live map[int64]struct{}
}

// heal reads again from the lane's lowest unfinished record when no job
// holds it: it cannot finish otherwise, and it would hold the lane's
// commits, and with them its ordered keys, forever. true: the partition
// must be rewound. p.mu is held.
func (l *lane) heal() bool {
	if l.parked || l.behind() {
		return false
	}
	first := l.trk.lw.FirstUnfinished()
	if first < 0 || first >= l.next {
		return false
	}
	if _, held := l.live[first]; held || l.kept[first] {
		return false
	}
	l.next = first
	l.skippedTo = max(l.skippedTo, first+1)
	l.lowered = l.part.read
	l.part.rewind = true
	return true
}

// take is partition.take for a record of the lane's webhook; p.mu is held.
func (l *lane) take(o int64) *tracker {
	if o < l.next {
		return nil
	}
	if l.parked || l.behind() && !l.inOrder() {
		// Parked; or with records to read again and handed one by a
		// read that did not pass them (one from before the rewind):
		// taken when a read from next comes to it, in order, or the
		// records in between would be skipped and look finished
		// (lowwater counts gaps finished).
		l.skippedTo = max(l.skippedTo, o+1)
		return nil
	}
	l.next = o + 1
	if l.kept[o] {
		delete(l.kept, o) // still in memory from before the park
		return nil
	}
	if tracked, done := l.trk.lw.State(o); tracked && done {
		// Read again after a park: finished before it, or not the
		// webhook's before the lane began.
		return nil
	}
	l.trk.lw.Add(o)
	if l.done.has(o) {
		l.part.finishIn(&l.trk, o)
		return nil
	}
	l.part.active++
	l.hold(o)
	return &l.trk
}

// inOrder reports whether the partition's current read hands the lane its
// records in order from next: it began after the lane last parked or went
// back, at or below next. p.mu is held.
func (l *lane) inOrder() bool {
	return l.part.read > l.lowered && l.part.readFrom <= l.next
}

// laneFor returns the webhook's lane, making one that takes over the jobs
// live, which must be all of the webhook's unfinished records of p. nil:
// the partition has all the lanes its commits can carry. p.mu is held.
func (p *partition) laneFor(webhook string, live []*job) *lane {
	if l := p.lanes[webhook]; l != nil {
		return l
	}
	if len(p.lanes) >= maxLanes {
		return nil
	}
	l := &lane{webhook: webhook, part: p, next: p.next}
	var mine []*job
	from := p.next
	for _, j := range live {
		if j.part == p && j.trk == &p.main {
			mine = append(mine, j)
			from = min(from, j.offset)
		}
	}
	slices.SortFunc(mine, func(a, b *job) int { return int(a.offset - b.offset) })
	l.trk.lw.StartAt(from)
	for _, j := range mine {
		l.trk.lw.Add(j.offset)
		l.hold(j.offset)
		j.trk = &l.trk
		p.finishIn(&p.main, j.offset)
	}
	// Every other offset below next is finished or not the webhook's.
	l.trk.lw.Extend(p.next)
	p.lanes[webhook] = l
	return l
}

// park stops the lane taking records and puts back put, the jobs the
// caller abandons: they are taken again when the lane is unparked, and the
// jobs kept in memory above the first of them are skipped then. p.mu is
// held.
func (l *lane) park(put, kept []*job) {
	l.parked = true
	l.lowered = l.part.read
	for _, j := range put {
		l.next = min(l.next, j.offset)
		l.skippedTo = max(l.skippedTo, j.offset+1)
		// Kept at an earlier park, put back at this one.
		delete(l.kept, j.offset)
	}
	for _, j := range kept {
		if j.offset >= l.next {
			if l.kept == nil {
				l.kept = map[int64]bool{}
			}
			l.kept[j.offset] = true
		}
	}
}

// hold and drop keep live; p.mu is held.
func (l *lane) hold(o int64) {
	if l.live == nil {
		l.live = map[int64]struct{}{}
	}
	l.live[o] = struct{}{}
}

func (l *lane) drop(o int64) { delete(l.live, o) }

// behind reports whether the lane has records to read again.
func (l *lane) behind() bool { return l.next < l.skippedTo }

// unpark lets the lane take records again, and asks for a rewind when
// records it needs were passed while it was parked. p.mu is held.
func (l *lane) unpark() (rewind bool) {
	l.parked = false
	if l.behind() {
		l.part.rewind = true
	}
	return l.part.rewind
}

// rewindTo is where the partition must be consumed from again for its
// lanes, or -1; it clears the request. p.mu is held.
func (p *partition) rewindTo() int64 {
	if !p.rewind || p.revoked {
		p.rewind = false
		return -1
	}
	p.rewind = false
	at := int64(-1)
	for _, l := range p.lanes {
		if !l.parked && l.behind() && (at < 0 || l.next < at) {
			at = l.next
		}
	}
	return at
}

// endLanes drops the lanes that have nothing left to finish or to send:
// their webhook's next records are the partition's again. p.mu is held.
func (p *partition) endLanes() {
	for id, l := range p.lanes {
		base := l.trk.lw.Mark()
		// A job kept in memory at a park may sit above next; it is the
		// lane's to finish.
		idle := base >= l.next && len(l.kept) == 0 && l.trk.lw.Unfinished() == 0
		if !l.parked && !l.recovering && !l.behind() && idle && len(l.trk.waiters) == 0 {
			delete(p.lanes, id)
		}
	}
}
