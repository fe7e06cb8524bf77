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
	defer m.close()
	page := Page{Count: count, Records: []Record{}}
	skip := q.Offset
	for len(page.Records) < q.PageSize {
		e, ok := m.next()
		if !ok {
			break
		}
		if skip > 0 {
			skip--
			continue
		}
		r, err := m.record(s, e)
		if err != nil {
			return Page{}, err
		}
		page.Records = append(page.Records, r)
		if len(page.Records) == q.PageSize {
			page.Next = base64.RawURLEncoding.EncodeToString(e.suffix)
		}
	}
	if err := m.err(); err != nil {
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
	if q.Since.IsZero() && q.Until.IsZero() {
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
		it, err := s.rangeIter(q, wh, nil)
		if err != nil {
			return 0, err
		}
		for ok := it.First(); ok; ok = it.Next() {
			if q.EventType == "" || eventTypeIn(q, it.Value()) == q.EventType {
				n++
			}
		}
		if err := it.Close(); err != nil {
			return 0, fmt.Errorf("history: count: %w", err)
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

// rangeIter iterates the entries of one webhook that q's outcome and time
// range select, up to (descending) or after (ascending) cursor.
func (s *Store) rangeIter(q Query, webhookID string, cursor []byte) (*pebble.Iterator, error) {
	var prefix []byte
	switch q.SuccessOrFailure {
	case "success":
		prefix = webhookPrefix(tagOutcome, webhookID, classSuccess)
	case "failure":
		prefix = webhookPrefix(tagOutcome, webhookID, classFailure)
	default:
		prefix = webhookPrefix(tagAttempt, webhookID, 0)
	}
	lower, upper := prefix, prefixEnd(prefix)
	if !q.Since.IsZero() {
		lower = appendTime(clone(prefix), q.Since)
	}
	if !q.Until.IsZero() {
		upper = appendTime(clone(prefix), q.Until)
	}
	if cursor != nil {
		at := append(clone(prefix), cursor...)
		if q.Descending && bytes.Compare(at, upper) < 0 {
			upper = at
		}
		if !q.Descending && bytes.Compare(at, lower) >= 0 {
			lower = append(at, 0)
		}
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("history: read %s: %w", webhookID, err)
	}
	return it, nil
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)+16), b...) }

// findSorted reads every match and sorts it by a field other than time.
func (s *Store) findSorted(q Query, whs []string, count int) (Page, error) {
	var hits []Record
	for _, wh := range whs {
		it, err := s.rangeIter(q, wh, nil)
		if err != nil {
			return Page{}, err
		}
		for ok := it.First(); ok; ok = it.Next() {
			if q.EventType != "" && eventTypeIn(q, it.Value()) != q.EventType {
				continue
			}
			r, err := s.entry(q, wh, it)
			if err != nil {
				it.Close()
				return Page{}, err
			}
			hits = append(hits, r)
		}
		if err := it.Close(); err != nil {
			return Page{}, fmt.Errorf("history: read %s: %w", wh, err)
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

// entry decodes the record an iterator of rangeIter is at.
func (s *Store) entry(q Query, webhookID string, it *pebble.Iterator) (Record, error) {
	prefixLen := len(webhookPrefix(tagAttempt, webhookID, 0))
	if q.SuccessOrFailure != "" {
		prefixLen++
	}
	suffix := it.Key()[prefixLen:]
	at, id := timeAt(suffix), string(suffix[8:])
	if q.SuccessOrFailure != "" {
		r, ok, err := s.read(webhookID, at, id)
		if err == nil && !ok {
			err = errCorrupt
		}
		return r, err
	}
	r := Record{ID: id, WebhookID: webhookID, Timestamp: at}
	return r, decodeValue(it.Value(), &r)
}

// merge reads the ranges of many webhooks as one, in time order.
type merge struct {
	q     Query
	heads heads
	its   []*pebble.Iterator
}

type head struct {
	it        *pebble.Iterator
	webhookID string
	prefixLen int
	suffix    []byte // <time> <id>
}

type heads struct {
	hs   []*head
	desc bool
}

func (h heads) Len() int { return len(h.hs) }
func (h heads) Less(i, j int) bool {
	c := bytes.Compare(h.hs[i].suffix, h.hs[j].suffix)
	if h.desc {
		return c > 0
	}
	return c < 0
}
func (h heads) Swap(i, j int) { h.hs[i], h.hs[j] = h.hs[j], h.hs[i] }
func (h *heads) Push(x any)   { h.hs = append(h.hs, x.(*head)) }
func (h *heads) Pop() any {
	x := h.hs[len(h.hs)-1]
	h.hs = h.hs[:len(h.hs)-1]
	return x
}

func (s *Store) openMerge(q Query, whs []string, cursor []byte) (*merge, error) {
	m := &merge{q: q, heads: heads{desc: q.Descending}}
	for _, wh := range whs {
		it, err := s.rangeIter(q, wh, cursor)
		if err != nil {
			m.close()
			return nil, err
		}
		m.its = append(m.its, it)
		h := &head{it: it, webhookID: wh, prefixLen: len(webhookPrefix(tagAttempt, wh, 0))}
		if q.SuccessOrFailure != "" {
			h.prefixLen++
		}
		if m.seek(h, true) {
			m.heads.hs = append(m.heads.hs, h)
		}
	}
	heap.Init(&m.heads)
	return m, nil
}

// seek moves h to its next entry that passes the event type filter.
func (m *merge) seek(h *head, first bool) bool {
	var ok bool
	switch {
	case first && m.q.Descending:
		ok = h.it.Last()
	case first:
		ok = h.it.First()
	case m.q.Descending:
		ok = h.it.Prev()
	default:
		ok = h.it.Next()
	}
	for ; ok; ok = m.step(h) {
		if m.q.EventType == "" || eventTypeIn(m.q, h.it.Value()) == m.q.EventType {
			h.suffix = h.it.Key()[h.prefixLen:]
			return true
		}
	}
	return false
}

func (m *merge) step(h *head) bool {
	if m.q.Descending {
		return h.it.Prev()
	}
	return h.it.Next()
}

// eventTypeIn reads the event type of an entry of rangeIter: the value of
// an outcome entry, the head of an attempt.
func eventTypeIn(q Query, v []byte) string {
	if q.SuccessOrFailure != "" {
		return string(v)
	}
	et, _, _ := headOf(v)
	return et
}

// hit is one match the merge returned.
type hit struct {
	webhookID string
	suffix    []byte
	value     []byte // the stored attempt, when read from the attempts range
}

func (m *merge) next() (hit, bool) {
	if len(m.heads.hs) == 0 {
		return hit{}, false
	}
	h := m.heads.hs[0]
	e := hit{webhookID: h.webhookID, suffix: clone(h.suffix)}
	if m.q.SuccessOrFailure == "" {
		e.value = clone(h.it.Value())
	}
	if m.seek(h, false) {
		heap.Fix(&m.heads, 0)
	} else {
		heap.Pop(&m.heads)
	}
	return e, true
}

func (m *merge) record(s *Store, e hit) (Record, error) {
	at, id := timeAt(e.suffix), string(e.suffix[8:])
	if e.value == nil {
		r, ok, err := s.read(e.webhookID, at, id)
		if err == nil && !ok {
			err = errCorrupt
		}
		return r, err
	}
	r := Record{ID: id, WebhookID: e.webhookID, Timestamp: at}
	return r, decodeValue(e.value, &r)
}

func (m *merge) err() error {
	for _, it := range m.its {
		if err := it.Error(); err != nil {
			return fmt.Errorf("history: read: %w", err)
		}
	}
	return nil
}

func (m *merge) close() {
	for _, it := range m.its {
		_ = it.Close()
	}
}
