package history

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
)

// Options configure a Store.
type Options struct {
	// Dir holds the index; it is created if missing. One process at a
	// time: a second Open of the same directory fails.
	Dir string
	// Retention is how long an attempt stays, by its timestamp; older ones
	// are not indexed and are removed in the background (0: kept).
	Retention time.Duration
	// CacheBytes is the block cache; with the memtables it bounds the
	// memory the index uses whatever its size on disk.
	CacheBytes int64
}

// DefaultCacheBytes is the block cache when Options.CacheBytes is 0.
const DefaultCacheBytes = 32 << 20

// memTableBytes bounds each of pebble's memtables; with two of them and
// the cache it is most of the index's memory.
const memTableBytes = 32 << 20

// Store is the durable index. Writes (Apply, Expire) are serialized; reads
// run beside them.
type Store struct {
	db        *pebble.DB
	retention time.Duration
	log       *slog.Logger

	writeMu sync.Mutex // one Apply or Expire at a time

	// life lets Close wait for the calls in progress; after it, calls fail
	// with ErrClosed instead of reaching a closed database (an HTTP request
	// may outlive the API's Run by a moment).
	life   sync.RWMutex
	closed bool

	mu     sync.RWMutex
	counts map[counter]int64 // the live attempts by webhook, class and event type
	// lo and hi are the first and last slot holding attempts (hi < lo:
	// none); a query walks the slots between.
	lo, hi int64
}

// counter files attempts for counts without a scan.
type counter struct {
	webhookID string
	class     byte
	eventType string
}

// Open opens (or creates) the index in opts.Dir.
func Open(opts Options, log *slog.Logger) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("history: no directory")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	size := opts.CacheBytes
	if size <= 0 {
		size = DefaultCacheBytes
	}
	cache := pebble.NewCache(size)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                memTableBytes,
		MemTableStopWritesThreshold: 4,
		Logger:                      quietLogger{log},
		Levels:                      make([]pebble.LevelOptions, 7),
	}
	for i := range po.Levels {
		l := &po.Levels[i]
		l.BlockSize = 32 << 10 // larger blocks compress the repeated header names and JSON better
		l.Compression = pebble.SnappyCompression
		l.FilterPolicy = bloom.FilterPolicy(10) // Get by id skips the tables that lack it
		l.FilterType = pebble.TableFilter
		l.TargetFileSize = 8 << 20
	}
	// Data passes the upper levels on its way to the last two, which hold
	// nearly all of it: compressing it there only is most of the disk
	// saving at a fraction of the compaction CPU.
	for i := range 5 {
		po.Levels[i].Compression = pebble.NoCompression
	}
	po.EnsureDefaults()
	db, err := pebble.Open(opts.Dir, po)
	if err != nil {
		return nil, fmt.Errorf("history: open %s: %w", opts.Dir, err)
	}
	s := &Store{db: db, retention: opts.Retention, log: log, counts: map[counter]int64{}, lo: 1, hi: 0}
	if err := s.loadCounts(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadSlots(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// loadSlots finds the first and last slot that hold attempts.
func (s *Store) loadSlots() error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagAttempt}, UpperBound: []byte{tagAttempt + 1}})
	if err != nil {
		return fmt.Errorf("history: load slots: %w", err)
	}
	defer it.Close()
	if it.First() {
		s.lo = slotOfKey(it.Key())
	}
	if it.Last() {
		s.hi = slotOfKey(it.Key())
	}
	return it.Error()
}

// slotOfKey reads the <slot> of an attempt or outcome key.
func slotOfKey(k []byte) int64 {
	if len(k) < 5 {
		return 0
	}
	return int64(binary.BigEndian.Uint32(k[1:5]))
}

// slots returns the slots that hold attempts, lo > hi when none.
func (s *Store) slots() (lo, hi int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lo, s.hi
}

// ErrClosed is a call after Close.
var ErrClosed = errors.New("history: index closed")

// Close flushes and closes the index.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.db.Close()
}

// enter starts a call; leave must follow unless it returns an error.
func (s *Store) enter() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return ErrClosed
	}
	return nil
}

func (s *Store) leave() { s.life.RUnlock() }

func (s *Store) loadCounts() error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagCount}, UpperBound: []byte{tagCount + 1}})
	if err != nil {
		return fmt.Errorf("history: load counts: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		wh, rest, good := readString(it.Key()[1:])
		n, k := binary.Uvarint(it.Value())
		if !good || len(rest) == 0 || k <= 0 {
			return fmt.Errorf("history: load counts: %w", errCorrupt)
		}
		s.counts[counter{webhookID: wh, class: rest[0], eventType: string(rest[1:])}] = int64(n)
	}
	return it.Error()
}

// Offsets are the next offsets to apply, by partition of topic.
func (s *Store) Offsets(topic string) (map[int32]int64, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	prefix := appendString([]byte{tagOffset}, topic)
	prefix = append(prefix, ':')
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("history: offsets: %w", err)
	}
	defer it.Close()
	out := map[int32]int64{}
	for ok := it.First(); ok; ok = it.Next() {
		var p int32
		if _, err := fmt.Sscan(string(it.Key()[len(prefix):]), &p); err != nil {
			return nil, fmt.Errorf("history: offsets: %w", errCorrupt)
		}
		o, k := binary.Uvarint(it.Value())
		if k <= 0 {
			return nil, fmt.Errorf("history: offsets: %w", errCorrupt)
		}
		out[p] = int64(o)
	}
	return out, it.Error()
}

// Batch is the attempts of one fetch and the offsets it reached, applied
// together: the index never holds an attempt whose offset it would read
// again, nor an offset whose attempts it lacks.
type Batch struct {
	Topic   string
	Records []Record
	Next    map[int32]int64 // partition → next offset to apply
}

// Add queues r.
func (b *Batch) Add(r Record) { b.Records = append(b.Records, r) }

// Advance notes that the record at offset of partition was read (applied
// or skipped).
func (b *Batch) Advance(partition int32, offset int64) {
	if b.Next == nil {
		b.Next = map[int32]int64{}
	}
	b.Next[partition] = offset + 1
}

// Reset empties b for the next fetch.
func (b *Batch) Reset() {
	b.Records = b.Records[:0]
	clear(b.Next)
}

// Apply writes b in one atomic write. It reads nothing from the index, so
// it keeps its rate however large the index is: an attempt read twice (the
// same record) writes the same keys again, and one id met twice in a batch
// is written once; an attempt older than the retention is not indexed.
func (s *Store) Apply(b *Batch) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if len(b.Records) == 0 && len(b.Next) == 0 {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	wb := s.db.NewBatch()
	defer wb.Close()
	delta := map[counter]int64{}
	seen := make(map[string]idEntry, len(b.Records)) // ids written by this batch, sized so it never grows
	cutoff := s.cutoff(time.Now())
	slots := slotSpan{lo: 1, hi: 0}
	var key, val []byte // reused for every write: wb.Set copies them
	for i := range b.Records {
		r := &b.Records[i]
		if r.ID == "" || r.Timestamp.Before(cutoff) {
			continue
		}
		if old, ok := seen[r.ID]; ok {
			s.remove(wb, r.ID, old, delta)
		}
		class := classOf(r.Outcome)
		key, val = appendAttemptKey(key[:0], r.WebhookID, r.Timestamp, r.ID), appendValue(val[:0], r)
		_ = wb.Set(key, val, nil)
		key, val = appendOutcomeKey(key[:0], r.WebhookID, class, r.Timestamp, r.ID), append(val[:0], r.EventType...)
		_ = wb.Set(key, val, nil)
		e := idEntry{webhookID: r.WebhookID, at: r.Timestamp, class: class, eventType: r.EventType}
		key, val = appendIDKey(key[:0], r.ID), appendIDValue(val[:0], e)
		_ = wb.Set(key, val, nil)
		delta[counter{r.WebhookID, class, r.EventType}]++
		seen[r.ID] = e
		slots.add(bucketOf(r.Timestamp))
	}
	for p, o := range b.Next {
		_ = wb.Set(offsetKey(b.Topic, p), binary.AppendUvarint(nil, uint64(o)), nil)
	}
	if err := s.commit(wb, delta); err != nil {
		return err
	}
	if slots.lo <= slots.hi {
		s.mu.Lock()
		if s.lo > s.hi {
			s.lo, s.hi = slots.lo, slots.hi
		} else {
			s.lo, s.hi = min(s.lo, slots.lo), max(s.hi, slots.hi)
		}
		s.mu.Unlock()
	}
	return nil
}

// slotSpan is a range of slots, empty while lo > hi.
type slotSpan struct{ lo, hi int64 }

func (h *slotSpan) add(b int64) {
	if h.lo > h.hi {
		h.lo, h.hi = b, b
		return
	}
	h.lo, h.hi = min(h.lo, b), max(h.hi, b)
}

// idEntry is where an indexed attempt is.
type idEntry struct {
	webhookID string
	at        time.Time
	class     byte
	eventType string
}

// lookupID finds an indexed attempt by id.
func (s *Store) lookupID(id string) (idEntry, bool, error) {
	v, closer, err := s.db.Get(idKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return idEntry{}, false, nil
	}
	if err != nil {
		return idEntry{}, false, fmt.Errorf("history: get %s: %w", id, err)
	}
	defer closer.Close()
	e, ok := parseIDValue(v)
	if !ok {
		return idEntry{}, false, errCorrupt
	}
	return e, true, nil
}

// remove deletes the three entries of one attempt.
func (s *Store) remove(wb *pebble.Batch, id string, e idEntry, delta map[counter]int64) {
	_ = wb.Delete(attemptKey(e.webhookID, e.at, id), nil)
	_ = wb.Delete(outcomeKey(e.webhookID, e.class, e.at, id), nil)
	_ = wb.Delete(idKey(id), nil)
	delta[counter{e.webhookID, e.class, e.eventType}]--
}

// commit writes the counters delta changes into wb and commits it, then
// publishes the counters. NoSync: the batch is in the log when Commit
// returns and survives a crash of the process; a crash of the machine may
// lose the last batches, offsets included, which are then read again.
func (s *Store) commit(wb *pebble.Batch, delta map[counter]int64) error {
	s.mu.RLock()
	next := make(map[counter]int64, len(delta))
	for c, d := range delta {
		next[c] = s.counts[c] + d
	}
	s.mu.RUnlock()
	for c, n := range next {
		if n <= 0 {
			_ = wb.Delete(countKey(c), nil)
		} else {
			_ = wb.Set(countKey(c), binary.AppendUvarint(nil, uint64(n)), nil)
		}
	}
	if err := wb.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("history: write: %w", err)
	}
	s.mu.Lock()
	for c, n := range next {
		if n <= 0 {
			delete(s.counts, c)
		} else {
			s.counts[c] = n
		}
	}
	s.mu.Unlock()
	return nil
}

func (s *Store) cutoff(now time.Time) time.Time {
	if s.retention <= 0 {
		return time.Time{}
	}
	return now.Add(-s.retention)
}

// Get returns the attempt with id.
func (s *Store) Get(id string) (Record, bool, error) {
	if err := s.enter(); err != nil {
		return Record{}, false, err
	}
	defer s.leave()
	e, ok, err := s.lookupID(id)
	if !ok || err != nil {
		return Record{}, false, err
	}
	return s.read(e.webhookID, e.at, id)
}

// read decodes the attempt stored under its key parts.
func (s *Store) read(webhookID string, at time.Time, id string) (Record, bool, error) {
	v, closer, err := s.db.Get(attemptKey(webhookID, at, id))
	if errors.Is(err, pebble.ErrNotFound) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("history: get %s: %w", id, err)
	}
	defer closer.Close()
	r := Record{ID: id, WebhookID: webhookID, Timestamp: at}
	if err := decodeValue(v, &r); err != nil {
		return Record{}, false, err
	}
	return r, true, nil
}

// Len is the number of attempts indexed.
func (s *Store) Len() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var n int64
	for _, c := range s.counts {
		n += c
	}
	return n
}

// webhooks lists the webhook ids with attempts indexed.
func (s *Store) webhooks() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	set := map[string]bool{}
	var out []string
	for c := range s.counts {
		if !set[c.webhookID] {
			set[c.webhookID] = true
			out = append(out, c.webhookID)
		}
	}
	return out
}

// expireBatch bounds one write of Expire.
const expireBatch = 10_000

// Expire removes the attempts of the slots that ended before the retention
// at now, and returns how many. The attempts of the slot the cutoff falls
// in stay until that slot has passed too; Find does not show them.
func (s *Store) Expire(now time.Time) (int, error) {
	cutoff := s.cutoff(now)
	if cutoff.IsZero() {
		return 0, nil
	}
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	lo, hi := s.slots()
	last := bucketOf(cutoff) // the first slot that stays
	if lo > hi || lo >= last {
		return 0, nil
	}
	upper := binary.BigEndian.AppendUint32([]byte{tagAttempt}, uint32(last))
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{tagAttempt}, UpperBound: upper})
	if err != nil {
		return 0, fmt.Errorf("history: expire: %w", err)
	}
	defer it.Close()
	removed := 0
	for ok := it.First(); ok; {
		n := 0
		wb := s.db.NewBatch()
		delta := map[counter]int64{}
		for ; ok && n < expireBatch; ok = it.Next() {
			wh, at, id, good := parseAttemptKey(it.Key())
			et, outcome, err := headOf(it.Value())
			if !good || err != nil {
				wb.Close()
				return removed, fmt.Errorf("history: expire: %w", errCorrupt)
			}
			s.remove(wb, id, idEntry{webhookID: wh, at: at, class: classOf(outcome), eventType: et}, delta)
			n++
		}
		s.writeMu.Lock()
		err := s.commit(wb, delta)
		s.writeMu.Unlock()
		wb.Close()
		if err != nil {
			return removed, err
		}
		removed += n
	}
	if err := it.Error(); err != nil {
		return removed, fmt.Errorf("history: expire: %w", err)
	}
	s.mu.Lock()
	if s.lo < last {
		s.lo = last
	}
	s.mu.Unlock()
	return removed, nil
}

// Run removes expired attempts every interval until ctx ends.
func (s *Store) Run(ctx context.Context, interval time.Duration) error {
	if s.retention <= 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			n, err := s.Expire(now)
			if err != nil {
				s.log.Error("history: expire", "err", err)
				continue
			}
			if n > 0 {
				s.log.Debug("history: expired attempts", "removed", n)
			}
		}
	}
}

// Reset removes everything: the topic the offsets refer to was recreated.
func (s *Store) Reset() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.DeleteRange([]byte{0}, []byte{0xff}, pebble.NoSync); err != nil {
		return fmt.Errorf("history: reset: %w", err)
	}
	s.mu.Lock()
	clear(s.counts)
	s.lo, s.hi = 1, 0
	s.mu.Unlock()
	return nil
}

// DiskBytes is the size of the index's files.
func (s *Store) DiskBytes() uint64 {
	if s.enter() != nil {
		return 0
	}
	defer s.leave()
	m := s.db.Metrics()
	return m.DiskSpaceUsage()
}

// quietLogger sends pebble's informational lines to debug.
type quietLogger struct{ log *slog.Logger }

func (l quietLogger) Infof(format string, args ...any) {
	l.log.Debug("history: pebble: " + fmt.Sprintf(format, args...))
}

func (l quietLogger) Errorf(format string, args ...any) {
	l.log.Error("history: pebble: " + fmt.Sprintf(format, args...))
}

func (l quietLogger) Fatalf(format string, args ...any) {
	l.log.Error("history: pebble: " + fmt.Sprintf(format, args...))
	os.Exit(1)
}
