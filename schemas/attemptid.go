package schemas

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// NewAttemptID is a DeliveryAttempt's id: att_ and 32 hex digits, now in
// nanoseconds, then eight random bytes. Ids made later sort later, so the
// history's index by id grows at its end as its other keys do; random ids
// landed all over what it held, and its compactions rewrote every id entry
// again and again. Ids written before were all random and are still read.
func NewAttemptID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	_, _ = rand.Read(b[8:])
	return "att_" + hex.EncodeToString(b[:])
}
