package history

import (
	"encoding/binary"
	"strconv"
	"time"
)

// The key layout. Every attempt is written under its webhook, then its
// time, so the history of one webhook is one contiguous range read newest
// first without touching any other webhook's:
//
//	a <webhook> <time> <id>          the attempt (value: encodeValue)
//	o <webhook> <class> <time> <id>  the same attempt by outcome class (value: event type)
//	i <id>                           <webhook> <time> <class> <event type>, to find an attempt by id
//	c <webhook> <class> <event type> the number of attempts so filed (uvarint)
//	p <topic> <partition>            the next offset to apply (uvarint)
//
// <webhook> is length-prefixed (uvarint) so one id is never a prefix of
// another's range; <time> is 8 big-endian bytes, ordered as time is.
const (
	tagAttempt = 'a'
	tagOutcome = 'o'
	tagID      = 'i'
	tagCount   = 'c'
	tagOffset  = 'p'
)

// The outcome classes of successOrFailure.
const (
	classSuccess = 's'
	classFailure = 'f'
)

func classOf(outcome string) byte {
	if outcome == Success {
		return classSuccess
	}
	return classFailure
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTime orders times before 1970 before those after it.
func appendTime(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixNano())^(1<<63))
}

func timeAt(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63))).UTC()
}

// webhookPrefix is where the attempts (tag a) or the outcome class entries
// (tag o, class) of one webhook start.
func webhookPrefix(tag byte, webhookID string, class byte) []byte {
	b := appendString([]byte{tag}, webhookID)
	if tag == tagOutcome {
		b = append(b, class)
	}
	return b
}

func attemptKey(webhookID string, t time.Time, id string) []byte {
	return append(appendTime(webhookPrefix(tagAttempt, webhookID, 0), t), id...)
}

func outcomeKey(webhookID string, class byte, t time.Time, id string) []byte {
	return append(appendTime(webhookPrefix(tagOutcome, webhookID, class), t), id...)
}

func idKey(id string) []byte { return append([]byte{tagID}, id...) }

func idValue(e idEntry) []byte {
	return append(append(appendTime(appendString(nil, e.webhookID), e.at), e.class), e.eventType...)
}

// parseIDValue reads an idValue.
func parseIDValue(v []byte) (idEntry, bool) {
	wh, rest, ok := readString(v)
	if !ok || len(rest) < 9 {
		return idEntry{}, false
	}
	return idEntry{webhookID: wh, at: timeAt(rest), class: rest[8], eventType: string(rest[9:])}, true
}

func countKey(c counter) []byte {
	return append(append(appendString([]byte{tagCount}, c.webhookID), c.class), c.eventType...)
}

func offsetKey(topic string, partition int32) []byte {
	return strconv.AppendInt(append(appendString([]byte{tagOffset}, topic), ':'), int64(partition), 10)
}

// readString reads a length-prefixed string at the start of b.
func readString(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}

// prefixEnd is the first key after every key that starts with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}
