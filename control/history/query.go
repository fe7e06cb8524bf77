package history

import (
	"bytes"
	"cmp"
	"container/heap"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cockroachdb/pebble"
)

// Query selects attempts.
type Query struct {
	// Visible, when set, limits the answer to webhooks it accepts (a user
	// sees the history of their own webhooks only).
	Visible          func(webhookID string) bool
	WebhookID        string
	EventType        string
	SuccessOrFailure string // "success", "failure" or ""
	Since, Until     time.Time
	// Cursor continues after the last record of a page (its Next); Offset
	// then skips from there.
	Cursor           string
	Offset, PageSize int
	SortField        string
	Descending       bool

	clamped bool // Since was set to the retention's cutoff, none being asked
}

// Page is one answer: the number of matching attempts (the cursor aside),
// a page of them, and the cursor of the next page when there may be one.
type Page struct {
	Count   int
	Records []Record
	Next    string
}

// ErrBadCursor is a cursor that no page returned.
var ErrBadCursor = errors.New("history: not a cursor of this index")

// SortFields are the fields a query may sort by. The index is ordered by
// time; any other field sorts every match of the query in memory.
var SortFields = map[string]func(a, b *Record) int{
	"timestamp":  func(a, b *Record) int { return a.Timestamp.Compare(b.Timestamp) },
	"createdAt":  func(a, b *Record) int { return a.Timestamp.Compare(b.Timestamp) },
	"attempt":    func(a, b *Record) int { return cmp.Compare(a.Attempt, b.Attempt) },
	"statusCode": func(a, b *Record) int { return cmp.Compare(a.StatusCode, b.StatusCode) },
	"latencyMs":  func(a, b *Record) int { return cmp.Compare(a.LatencyMs, b.LatencyMs) },
	"webhookId":  func(a, b *Record) int { return cmp.Compare(a.WebhookID, b.WebhookID) },
	"eventType":  func(a, b *Record) int { return cmp.Compare(a.EventType, b.EventType) },
}

func byTime(field string) bool { return field == "" || field == "timestamp" || field == "createdAt" }

// Find answers q.
func (s *Store) Find(q Query) (Page, error) {
	if err := s.enter(); err != nil {
		return Page{}, err
	}
	defer s.leave()
	var cursor []byte
	if q.Cursor != "" {
		c, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(c) < 9 {
			return Page{}, ErrBadCursor
		}
		cursor = c
	}
	if c := s.cutoff(time.Now()); !c.IsZero() && q.Since.Before(c) {
		// Up to an slot past the retention waits for Expire: never show
		// it. Without a time range asked, count by the counters all the
		// same, which include that slot until it goes.
		q.clamped = q.Since.IsZero()
		q.Since = c
	}
	whs := s.candidates(q)
	slices.Sort(whs)
	count, err := s.count(q, whs)
	if err != nil {
		return Page{}, err
	}
	if !byTime(q.SortField) {
		return s.findSorted(q, whs, count)
	}
	m, err := s.openMerge(q, whs, cursor)
	if err != nil {
		return Page{}, err
	}
	page := Page{Count: count, Records: []Record{}}
	for range q.Offset {
		ok, err := m.skip()
		if err != nil {
			m.close()
			return Page{}, err
		}
		if !ok {
			break
		}
	}
	for len(page.Records) < q.PageSize {
		r, next, ok, err := m.next()
		if err != nil {
			m.close()
			return Page{}, err
		}
		if !ok {
			break
		}
		page.Records = append(page.Records, r)
		if len(page.Records) == q.PageSize {
			page.Next = base64.RawURLEncoding.EncodeToString(next)
		}
	}
	if err := m.close(); err != nil {
		return Page{}, err
	}
	return page, nil
}

// candidates are the webhooks whose attempts q may return.
func (s *Store) candidates(q Query) []string {
	var out []string
	for _, wh := range s.webhooks() {
		if (q.WebhookID == "" || wh == q.WebhookID) && (q.Visible == nil || q.Visible(wh)) {
			out = append(out, wh)
		}
	}
	return out
}

// count is the number of matches: from the counters when q has no time
// range, else by reading the range of each webhook.
func (s *Store) count(q Query, whs []string) (int, error) {
	if (q.Since.IsZero() || q.clamped) && q.Until.IsZero() {
		in := make(map[string]bool, len(whs))
		for _, wh := range whs {
			in[wh] = true
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		n := int64(0)
		for c, v := range s.counts {
			if in[c.webhookID] && (q.EventType == "" || c.eventType == q.EventType) && classMatches(q, c.class) {
				n += v
			}
		}
		return int(n), nil
	}
	n := 0
	for _, wh := range whs {
		w := s.walk(q, wh, nil)
		for ok := w.start(); ok; ok = w.step() {
			n++
		}
		if err := w.close(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func classMatches(q Query, class byte) bool {
	switch q.SuccessOrFailure {
	case "success":
		return class == classSuccess
	case "failure":
		return class == classFailure
	}
	return true
}

// walker reads the entries of one webhook that q selects, slot by slot,
// in q's order, past the event type filter.
type walker struct {
	s          *Store
	q          Query
	webhookID  string
	cursor     []byte
	slot, stop int64 // the slot being read; the last one to read
	it         *pebble.Iterator
	prefixLen  int
	err        error
}

// walk reads webhookID's entries up to (descending) or after (ascending)
// cursor.
func (s *Store) walk(q Query, webhookID string, cursor []byte) *walker {
	w := &walker{s: s, q: q, webhookID: webhookID, cursor: cursor}
	lo, hi := s.slots()
	if !q.Since.IsZero() {
		lo = max(lo, bucketOf(q.Since))
	}
	if !q.Until.IsZero() {
		hi = min(hi, bucketOf(q.Until))
	}
	if cursor != nil {
		if at := bucketOf(timeAt(cursor)); q.Descending {
			hi = min(hi, at)
		} else {
			lo = max(lo, at)
		}
	}
	w.slot, w.stop = lo, hi
	if q.Descending {
		w.slot, w.stop = hi, lo
	}
	w.prefixLen = len(w.prefix(0))
	return w
}

func (w *walker) prefix(slot int64) []byte {
	switch w.q.SuccessOrFailure {
	case "success":
		return webhookPrefix(tagOutcome, slot, w.webhookID, classSuccess)
	case "failure":
		return webhookPrefix(tagOutcome, slot, w.webhookID, classFailure)
	}
	return webhookPrefix(tagAttempt, slot, w.webhookID, 0)
}

// bounds are the keys of the current slot that q's range and the cursor
// leave.
func (w *walker) bounds() (lower, upper []byte) {
	prefix := w.prefix(w.slot)
	lower, upper = prefix, prefixEnd(prefix)
	if !w.q.Since.IsZero() {
		lower = appendTime(clone(prefix), w.q.Since)
	}
	if !w.q.Until.IsZero() {
		upper = appendTime(clone(prefix), w.q.Until)
	}
	if w.cursor != nil {
		at := append(clone(prefix), w.cursor...)
		if w.q.Descending && bytes.Compare(at, upper) < 0 {
			upper = at
		}
		if !w.q.Descending && bytes.Compare(at, lower) >= 0 {
			lower = append(at, 0)
		}
	}
	return lower, upper
}

func (w *walker) ended() bool {
	if w.q.Descending {
		return w.slot < w.stop
	}
	return w.slot > w.stop
}

// start moves to the first entry; false when there is none.
func (w *walker) start() bool {
	if w.ended() {
		return false
	}
	lower, upper := w.bounds()
	it, err := w.s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		w.err = fmt.Errorf("history: read %s: %w", w.webhookID, err)
		return false
	}
	w.it = it
	return w.settle(w.first())
}

func (w *walker) first() bool {
	if w.q.Descending {
		return w.it.Last()
	}
	return w.it.First()
}

// step moves to the next entry; false at the end.
func (w *walker) step() bool {
	if w.q.Descending {
		return w.settle(w.it.Prev())
	}
	return w.settle(w.it.Next())
}

// settle skips entries the event type filter refuses and moves on to the
// next slots while the current one is exhausted.
func (w *walker) settle(ok bool) bool {
	for {
		for ; ok; ok = w.advance() {
			if w.q.EventType == "" || eventTypeIn(w.q, w.it.Value()) == w.q.EventType {
				return true
			}
		}
		if err := w.it.Error(); err != nil {
			w.err = fmt.Errorf("history: read %s: %w", w.webhookID, err)
			return false
		}
		if w.q.Descending {
			w.slot--
		} else {
			w.slot++
		}
		if w.ended() {
			return false
		}
		w.it.SetBounds(w.bounds())
		ok = w.first()
	}
}

func (w *walker) advance() bool {
	if w.q.Descending {
		return w.it.Prev()
	}
	return w.it.Next()
}

// suffix is the <time> <id> of the current entry, valid until it moves.
func (w *walker) suffix() []byte { return w.it.Key()[w.prefixLen:] }

// record decodes the current entry.
func (w *walker) record() (Record, error) {
	sfx := w.suffix()
	at, id := timeAt(sfx), string(sfx[8:])
	if w.q.SuccessOrFailure != "" {
		r, ok, err := w.s.read(w.webhookID, at, id)
		if err == nil && !ok {
			err = errCorrupt
		}
		return r, err
	}
	r := Record{ID: id, WebhookID: w.webhookID, Timestamp: at}
	return r, decodeValue(w.it.Value(), &r)
}

func (w *walker) close() error {
	if w.it != nil {
		if err := w.it.Close(); err != nil && w.err == nil {
			w.err = fmt.Errorf("history: read %s: %w", w.webhookID, err)
		}
		w.it = nil
	}
	return w.err
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)+16), b...) }

// findSorted reads every match and sorts it by a field other than time.
func (s *Store) findSorted(q Query, whs []string, count int) (Page, error) {
	var hits []Record
	for _, wh := range whs {
		w := s.walk(q, wh, nil)
		for ok := w.start(); ok; ok = w.step() {
			r, err := w.record()
			if err != nil {
				w.close()
				return Page{}, err
			}
			hits = append(hits, r)
		}
		if err := w.close(); err != nil {
			return Page{}, err
		}
	}
	less := SortFields[q.SortField]
	slices.SortStableFunc(hits, func(a, b Record) int {
		c := less(&a, &b)
		if c == 0 {
			c = a.Timestamp.Compare(b.Timestamp)
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if q.Descending {
			return -c
		}
		return c
	})
	page := Page{Count: count, Records: []Record{}}
	if q.Offset < len(hits) {
		hits = hits[q.Offset:]
		page.Records = hits[:min(q.PageSize, len(hits))]
	}
	return page, nil
}

// merge reads the walks of many webhooks as one, in time order.
type merge struct {
	heads heads
	all   []*walker
}

type heads struct {
	ws   []*walker
	desc bool
}

func (h heads) Len() int { return len(h.ws) }
func (h heads) Less(i, j int) bool {
	c := bytes.Compare(h.ws[i].suffix(), h.ws[j].suffix())
	if h.desc {
		return c > 0
	}
	return c < 0
}
func (h heads) Swap(i, j int) { h.ws[i], h.ws[j] = h.ws[j], h.ws[i] }
func (h *heads) Push(x any)   { h.ws = append(h.ws, x.(*walker)) }
func (h *heads) Pop() any {
	x := h.ws[len(h.ws)-1]
	h.ws = h.ws[:len(h.ws)-1]
	return x
}

func (s *Store) openMerge(q Query, whs []string, cursor []byte) (*merge, error) {
	m := &merge{heads: heads{desc: q.Descending}}
	for _, wh := range whs {
		w := s.walk(q, wh, cursor)
		m.all = append(m.all, w)
		if w.start() {
			m.heads.ws = append(m.heads.ws, w)
		} else if w.err != nil {
			m.close()
			return nil, w.err
		}
	}
	heap.Init(&m.heads)
	return m, nil
}

// next returns the next entry's record and its cursor.
func (m *merge) next() (Record, []byte, bool, error) {
	if len(m.heads.ws) == 0 {
		return Record{}, nil, false, nil
	}
	w := m.heads.ws[0]
	r, err := w.record()
	if err != nil {
		return Record{}, nil, false, err
	}
	cursor := clone(w.suffix())
	if w.step() {
		heap.Fix(&m.heads, 0)
	} else {
		if w.err != nil {
			return Record{}, nil, false, w.err
		}
		heap.Pop(&m.heads)
	}
	return r, cursor, true, nil
}

// skip passes the next entry without decoding it.
func (m *merge) skip() (bool, error) {
	if len(m.heads.ws) == 0 {
		return false, nil
	}
	w := m.heads.ws[0]
	if w.step() {
		heap.Fix(&m.heads, 0)
	} else {
		if w.err != nil {
			return false, w.err
		}
		heap.Pop(&m.heads)
	}
	return true, nil
}

func (m *merge) close() error {
	var err error
	for _, w := range m.all {
		if e := w.close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// eventTypeIn reads the event type of an entry: the value of an outcome
// entry, the head of an attempt.
func eventTypeIn(q Query, v []byte) string {
	if q.SuccessOrFailure != "" {
		return string(v)
	}
	et, _, _ := headOf(v)
	return et
}
