package ceiling

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
)

// scheme is the signature of every request: hookstream's default, an
// HMAC-SHA256 over id, timestamp and body, computed by the code the
// deliverer signs with.
const scheme = signature.Standard

// minBody fits the JSON envelope around the longest ids a run makes.
const minBody = 128

// requests makes one worker's requests: each a distinct event of the
// worker's own webhook, so the receiver takes every one as a first receipt,
// as it takes hookstream's deliveries.
type requests struct {
	url, key, webhook string
	// padding fills every body up to size.
	padding   string
	size, seq int
	buf       bytes.Buffer
}

func newRequests(url, key string, worker, size int) *requests {
	return &requests{url: url, key: key, webhook: "ceiling-" + strconv.Itoa(worker), size: size,
		padding: strings.Repeat("x", size)}
}

// next builds, signs and returns the next request. Building the body per
// request, as the deliverer renders each payload, keeps the allocation a
// real sender has in the figure.
func (q *requests) next(ctx context.Context) (*http.Request, error) {
	q.seq++
	event := q.webhook + "-" + strconv.Itoa(q.seq)
	q.buf.Reset()
	q.buf.WriteString(`{"eventId":"`)
	q.buf.WriteString(event)
	q.buf.WriteString(`","webhookId":"`)
	q.buf.WriteString(q.webhook)
	q.buf.WriteString(`","padding":"`)
	q.buf.WriteString(q.padding[:max(q.size-2-q.buf.Len(), 0)])
	q.buf.WriteString(`"}`)
	body := bytes.Clone(q.buf.Bytes())
	h, err := signature.Headers(scheme, []string{q.key}, "msg_"+event, time.Now(), body)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
