package schemas

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// maxBlockCount is goavro's MaxBlockCount: a block of an array or a map
// that claims more items is malformed, as goavro holds it.
const maxBlockCount = math.MaxInt32

var errShortBuffer = errors.New("short buffer")

// reader is the Avro body being decoded. Every length it reads is checked
// against the bytes left before anything is allocated for it, so a hostile
// length prefix costs an error, not memory.
type reader struct {
	buf []byte
	off int

	// str is buf as a string, made at the first string read: every string
	// of one record is a substring of it, one allocation per record
	// instead of one per string. A value kept long keeps its whole body
	// alive, which is about the size of its strings anyway.
	str string
}

func (r *reader) left() int { return len(r.buf) - r.off }

// long reads a zigzag varint as goavro does: any number of continuation
// bytes, the bits past 64 dropped.
func (r *reader) long() (int64, error) {
	var v uint64
	var shift uint
	for r.off < len(r.buf) {
		b := r.buf[r.off]
		r.off++
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return int64(v>>1) ^ -int64(v&1), nil
		}
		shift += 7
	}
	return 0, errShortBuffer
}

// int reads a zigzag varint into 32 bits, goavro's int: the low 32 bits of
// the long the bytes spell.
func (r *reader) int() (int32, error) {
	var v uint64
	var shift uint
	for r.off < len(r.buf) {
		b := r.buf[r.off]
		r.off++
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return int32(uint32(v>>1)) ^ -int32(v&1), nil
		}
		shift += 7
	}
	return 0, errShortBuffer
}

func (r *reader) boolean() (bool, error) {
	if r.off >= len(r.buf) {
		return false, errShortBuffer
	}
	b := r.buf[r.off]
	r.off++
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, fmt.Errorf("boolean byte %d, want 0 or 1", b)
}

// fixed returns the next n bytes, aliasing the body.
func (r *reader) fixed(n int) ([]byte, error) {
	if n > r.left() {
		return nil, fmt.Errorf("%d bytes wanted, %d left: %w", n, r.left(), errShortBuffer)
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, nil
}

// length reads the length prefix of bytes or a string and checks it
// against what is left.
func (r *reader) length() (int, error) {
	n, err := r.long()
	if err != nil {
		return 0, fmt.Errorf("length: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative length %d", n)
	}
	if n > int64(r.left()) {
		return 0, fmt.Errorf("length %d, %d bytes left: %w", n, r.left(), errShortBuffer)
	}
	return int(n), nil
}

// bytes returns the next bytes value, aliasing the body.
func (r *reader) bytes() ([]byte, error) {
	n, err := r.length()
	if err != nil {
		return nil, err
	}
	return r.fixed(n)
}

// index reads the index of a union branch or an enum symbol (what) and
// checks it against the n there are.
func (r *reader) index(what string, n int) (int, error) {
	i, err := r.long()
	if err != nil {
		return 0, fmt.Errorf("%s index: %w", what, err)
	}
	if i < 0 || i >= int64(n) {
		return 0, fmt.Errorf("%s index %d, want 0 to %d", what, i, n-1)
	}
	return int(i), nil
}

// string returns the next string value as a substring of the body, not
// checked for UTF-8 (the decoders that keep it check).
func (r *reader) string() (string, error) {
	n, err := r.length()
	if err != nil {
		return "", err
	}
	if r.str == "" {
		r.str = string(r.buf)
	}
	s := r.str[r.off : r.off+n]
	r.off += n
	return s, nil
}

// blockCount reads the item count of the next block of an array or a map,
// 0 at the end. A negative count is followed by the block's size in bytes,
// which is read and not used (goavro reads every item the same way).
func (r *reader) blockCount() (int, error) {
	n, err := r.long()
	if err != nil {
		return 0, fmt.Errorf("block count: %w", err)
	}
	if n < 0 {
		if n == math.MinInt64 {
			return 0, fmt.Errorf("block count %d", n)
		}
		n = -n
		if _, err := r.long(); err != nil {
			return 0, fmt.Errorf("block size: %w", err)
		}
	}
	if n > maxBlockCount {
		return 0, fmt.Errorf("block count %d over %d", n, maxBlockCount)
	}
	return int(n), nil
}

// capHint bounds what is allocated up front for a block of n items: no
// more items than bytes left, since an item of a hostile block takes at
// least a byte (the rare items of no bytes grow the slice as they come).
func (r *reader) capHint(n int) int {
	return min(n, r.left())
}

func float32frombits(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

func float64frombits(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }
