package history

import (
	"encoding/binary"
	"strconv"
	"time"
)

// The key layout. Attempts are filed by slot (ten minutes), then webhook,
// then time:
//
//	a <slot> <webhook> <time> <id>          the attempt (value: encodeValue)
//	o <slot> <webhook> <class> <time> <id>  the same attempt by outcome class (value: event type)
//	i <id>                                  <webhook> <time> <class> <event type>, to find an attempt by id
//	c <webhook> <class> <event type>        the number of attempts so filed (uvarint)
//	p <topic> <partition>                   the next offset to apply (uvarint)
//
// Within a slot the history of one webhook is one contiguous range, so it
// is read newest first without touching another webhook's: one seek per
// slot. The slot comes first because attempts arrive in time order for
// every webhook at once: new keys then land only in the newest slot, which
// no older file overlaps, so the store's compactions move old slots down
// instead of rewriting them with each flush (with the webhook first, every
// flush overlapped all the data and the indexing rate fell as it grew).
// Shorter slots keep that true at higher rates; longer ones cost fewer
// seeks for a webhook whose attempts are far apart.
//
// <slot> is 4 big-endian bytes (slots since 1970); <webhook> is
// length-prefixed (uvarint) so one id is never a prefix of another's
// range; <time> is 8 big-endian bytes, ordered as time is.
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

// bucketWidth is the span of one <slot>.
const bucketWidth = 10 * time.Minute

// bucketOf is the slot t falls in; times before 1970 share slot 0.
func bucketOf(t time.Time) int64 {
	return max(0, t.UnixNano()/int64(bucketWidth))
}

// webhookPrefix is where the attempts (tag a) or the outcome class entries
// (tag o, class) of one webhook in one slot start.
func webhookPrefix(tag byte, bucket int64, webhookID string, class byte) []byte {
	return appendWebhookPrefix(nil, tag, bucket, webhookID, class)
}

func appendWebhookPrefix(b []byte, tag byte, bucket int64, webhookID string, class byte) []byte {
	b = binary.BigEndian.AppendUint32(append(b, tag), uint32(bucket))
	b = appendString(b, webhookID)
	if tag == tagOutcome {
		b = append(b, class)
	}
	return b
}

func attemptKey(webhookID string, t time.Time, id string) []byte {
	return appendAttemptKey(nil, webhookID, t, id)
}

// appendAttemptKey and the other append forms let Apply build every key
// of a batch in one reused buffer: the batch copies what it is given.
func appendAttemptKey(b []byte, webhookID string, t time.Time, id string) []byte {
	return append(appendTime(appendWebhookPrefix(b, tagAttempt, bucketOf(t), webhookID, 0), t), id...)
}

func outcomeKey(webhookID string, class byte, t time.Time, id string) []byte {
	return appendOutcomeKey(nil, webhookID, class, t, id)
}

func appendOutcomeKey(b []byte, webhookID string, class byte, t time.Time, id string) []byte {
	return append(appendTime(appendWebhookPrefix(b, tagOutcome, bucketOf(t), webhookID, class), t), id...)
}

// parseAttemptKey reads an attempt key.
func parseAttemptKey(k []byte) (webhookID string, at time.Time, id string, ok bool) {
	if len(k) < 5 || k[0] != tagAttempt {
		return "", time.Time{}, "", false
	}
	wh, rest, ok := readString(k[5:])
	if !ok || len(rest) < 8 {
		return "", time.Time{}, "", false
	}
	return wh, timeAt(rest), string(rest[8:]), true
}

func idKey(id string) []byte { return appendIDKey(nil, id) }

func appendIDKey(b []byte, id string) []byte { return append(append(b, tagID), id...) }

func idValue(e idEntry) []byte { return appendIDValue(nil, e) }

func appendIDValue(b []byte, e idEntry) []byte {
	return append(append(appendTime(appendString(b, e.webhookID), e.at), e.class), e.eventType...)
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
