package deliver

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// A partition's commit carries, besides its offset, what a process that
// takes the partition over needs to keep every key in order: the records
// above the committed offset that are finished already (Confluent's Parallel
// Consumer keeps them in the commit's metadata the same way), and the lanes
// (lane.go) with their own low-water marks and finished records. The next
// owner skips what is finished instead of sending it again, so a key never
// sees an earlier event after a later one.
//
// Layout: "hs1:" and the unpadded URL-safe base64 of: the number of lanes;
// per lane the webhook id (length, bytes), its low-water mark as a signed
// varint from the committed offset, and its runs; then the partition's
// runs. Runs are the count and the lengths (uvarints) of lowwater.Runs,
// alternately unfinished and finished from the mark.
const commitMetaPrefix = "hs1:"

// maxCommitMeta bounds the metadata of one partition's commit: Kafka refuses
// a commit whose metadata is over offset.metadata.max.bytes (4,096 by
// default). Runs cut to fit name fewer finished offsets: those left out are
// not counted as committed, so a key's next task waits for the low-water
// mark to pass them (see tracker.covered), and a crash sends them again.
const maxCommitMeta = 3000

// maxCommitRuns bounds the runs a snapshot reads from a tracker: each takes
// at least a byte of the metadata, so no more can fit.
const maxCommitRuns = maxCommitMeta

// maxLanes bounds the lanes of one partition so that their fixed part (id,
// mark) always fits maxCommitMeta with room for runs: lanes are what a commit
// may not leave out.
const maxLanes = 16

// maxRunSpan bounds how far runs may reach above their mark: far more than
// a deliverer keeps pending, so a hostile or damaged metadata cannot make
// the reader loop or allocate without bound.
const maxRunSpan = 1 << 30

type laneMeta struct {
	webhook string
	mark    int64
	runs    []int64
}

// encodeCommitMeta returns the metadata of a commit at offset: lanes always,
// runs as far as they fit. mainEnd and laneEnds are where each set of runs
// as written ends: every finished offset below it is on record.
func encodeCommitMeta(offset int64, runs []int64, lanes []laneMeta) (meta string, mainEnd int64, laneEnds []int64) {
	if len(runs) == 0 && len(lanes) == 0 {
		return "", offset, nil
	}
	budget := base64.RawURLEncoding.DecodedLen(maxCommitMeta-len(commitMetaPrefix)) - 1
	fixed := binary.MaxVarintLen64
	for _, l := range lanes {
		fixed += 3*binary.MaxVarintLen64 + len(l.webhook)
	}
	left := budget - fixed - binary.MaxVarintLen64
	// The parts are built on the stack (at most the budget each, usually a
	// few bytes: a commit runs many times a second, and buffers sized for
	// the budget were a large share of the deliverer's allocations), and
	// the metadata is the one allocation, of its exact size.
	var mainArr, bufArr [maxCommitMeta]byte
	var mainRuns []byte
	mainRuns, mainEnd, left = appendRuns(mainArr[:0], offset, runs, left)
	buf := binary.AppendUvarint(bufArr[:0], uint64(len(lanes)))
	laneEnds = make([]int64, len(lanes))
	for i, l := range lanes {
		buf = binary.AppendUvarint(buf, uint64(len(l.webhook)))
		buf = append(buf, l.webhook...)
		buf = binary.AppendVarint(buf, l.mark-offset)
		buf, laneEnds[i], left = appendRuns(buf, l.mark, l.runs, left)
	}
	buf = append(buf, mainRuns...)
	var b strings.Builder
	b.Grow(len(commitMetaPrefix) + base64.RawURLEncoding.EncodedLen(len(buf)))
	b.WriteString(commitMetaPrefix)
	var encArr [maxCommitMeta]byte
	b.Write(base64.RawURLEncoding.AppendEncode(encArr[:0], buf))
	return b.String(), mainEnd, laneEnds
}

// appendRuns appends the count and as many pairs of runs (unfinished,
// finished) as fit left bytes, and returns where the written runs end.
func appendRuns(buf []byte, mark int64, runs []int64, left int) ([]byte, int64, int) {
	// No more than left bytes are written, and left is at most the
	// metadata's budget: the pairs go through the stack.
	var encBuf [maxCommitMeta]byte
	enc := encBuf[:0]
	var scratch [2 * binary.MaxVarintLen64]byte
	end, n := mark, 0
	for i := 0; i+1 < len(runs); i += 2 {
		pair := binary.AppendUvarint(binary.AppendUvarint(scratch[:0], uint64(runs[i])), uint64(runs[i+1]))
		if len(enc)+len(pair) > left {
			break
		}
		enc, end, n = append(enc, pair...), end+runs[i]+runs[i+1], n+2
	}
	buf = binary.AppendUvarint(buf, uint64(n))
	return append(buf, enc...), end, left - len(enc)
}

// finished is a set of finished offsets as sorted, disjoint [from, to)
// ranges.
type finished [][2]int64

func (f finished) has(offset int64) bool {
	i := sort.Search(len(f), func(i int) bool { return f[i][1] > offset })
	return i < len(f) && f[i][0] <= offset
}

// union is f and g as one set; either may be empty.
func (f finished) union(g finished) finished {
	all := append(append(finished(nil), f...), g...)
	sort.Slice(all, func(i, j int) bool { return all[i][0] < all[j][0] })
	var out finished
	for _, r := range all {
		if n := len(out); n > 0 && r[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// recoveredLane is a lane as a commit left it.
type recoveredLane struct {
	webhook string
	mark    int64
	done    finished
}

// decodeCommitMeta reads the metadata of a commit at offset. Metadata that
// is not hookstream's (empty, or another client's) is no lanes and no
// finished offsets, and no error.
func decodeCommitMeta(offset int64, meta string) (done finished, lanes []recoveredLane, err error) {
	enc, ok := strings.CutPrefix(meta, commitMetaPrefix)
	if !ok {
		return nil, nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil, nil, fmt.Errorf("commit metadata: %w", err)
	}
	r := metaReader{b: b}
	n := r.uvarint()
	if n > maxLanes {
		return nil, nil, fmt.Errorf("commit metadata: %d lanes, at most %d", n, maxLanes)
	}
	for range n {
		size := r.uvarint()
		id := r.bytes(size)
		mark := offset + r.varint()
		lanes = append(lanes, recoveredLane{webhook: string(id), mark: mark, done: r.runs(mark)})
	}
	done = r.runs(offset)
	if r.err == nil && len(r.b) > 0 {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, nil, fmt.Errorf("commit metadata: %w", r.err)
	}
	return done, lanes, nil
}

type metaReader struct {
	b   []byte
	err error
}

func (r *metaReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *metaReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errors.New("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *metaReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errors.New("cut short")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// runs reads a count and runs from mark into finished ranges.
func (r *metaReader) runs(mark int64) finished {
	n := r.uvarint()
	if n%2 != 0 {
		r.err = errors.New("odd number of runs")
	}
	var out finished
	at := mark
	for i := uint64(0); i < n && r.err == nil; i++ {
		l := r.uvarint()
		if l > maxRunSpan || at-mark+int64(l) > maxRunSpan {
			r.err = errors.New("runs span more offsets than a deliverer keeps pending")
			break
		}
		if i%2 == 1 && l > 0 {
			out = append(out, [2]int64{at, at + int64(l)})
		}
		at += int64(l)
	}
	return out
}
