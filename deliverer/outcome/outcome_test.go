package outcome

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/ssrf"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opErr := func(e error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", e)}
	}
	tests := []struct {
		name       string
		status     int
		err        error
		retryAfter string
		kind       Kind
		notBefore  time.Time
		reason     string
	}{
		{"200", 200, nil, "", Success, time.Time{}, "status 200"},
		{"202", 202, nil, "", Success, time.Time{}, "status 202"},
		{"204", 204, nil, "", Success, time.Time{}, "status 204"},
		{"299", 299, nil, "", Success, time.Time{}, "status 299"},
		{"410 disables", 410, nil, "", Disable, time.Time{}, "status 410: endpoint gone"},
		{"410 ignores Retry-After", 410, nil, "30", Disable, time.Time{}, "status 410: endpoint gone"},
		{"429 seconds", 429, nil, "120", Retry, now.Add(2 * time.Minute), "status 429: rate limited, retry after 2m0s"},
		{"429 padded seconds", 429, nil, " 5 ", Retry, now.Add(5 * time.Second), "status 429: rate limited, retry after 5s"},
		{"429 HTTP date", 429, nil, "Fri, 02 Jan 2026 03:14:05 GMT", Retry, now.Add(10 * time.Minute), "status 429: rate limited, retry after 10m0s"},
		{"429 past date", 429, nil, "Fri, 02 Jan 2026 03:00:00 GMT", Retry, time.Time{}, "status 429: rate limited"},
		{"429 zero", 429, nil, "0", Retry, time.Time{}, "status 429: rate limited"},
		{"429 negative", 429, nil, "-5", Retry, time.Time{}, "status 429: rate limited"},
		{"429 garbage", 429, nil, "soon", Retry, time.Time{}, "status 429: rate limited"},
		{"429 without header", 429, nil, "", Retry, time.Time{}, "status 429: rate limited"},
		{"429 huge is capped at a day", 429, nil, "99999999999999999", Retry, now.Add(24 * time.Hour), "status 429: rate limited, retry after 24h0m0s"},
		{"503 Retry-After not honoured", 503, nil, "60", Retry, time.Time{}, "status 503"},
		{"500", 500, nil, "", Retry, time.Time{}, "status 500"},
		{"404", 404, nil, "", Retry, time.Time{}, "status 404"},
		{"400", 400, nil, "", Retry, time.Time{}, "status 400"},
		{"301 redirect", 301, nil, "", Retry, time.Time{}, "status 301"},
		{"100", 100, nil, "", Retry, time.Time{}, "status 100"},
		{"deadline", 0, fmt.Errorf("post: %w", context.DeadlineExceeded), "", Retry, time.Time{}, "timeout"},
		{"net timeout", 0, &net.OpError{Op: "read", Err: timeoutErr{}}, "", Retry, time.Time{}, "timeout"},
		{"refused", 0, opErr(syscall.ECONNREFUSED), "", Retry, time.Time{}, "connection refused"},
		{"reset", 0, opErr(syscall.ECONNRESET), "", Retry, time.Time{}, "connection reset"},
		{"canceled", 0, context.Canceled, "", Retry, time.Time{}, "canceled"},
		{"other error", 0, errors.New("tls: bad certificate"), "", Retry, time.Time{}, "error: tls: bad certificate"},
		{"error wins over status", 200, errors.New("body cut"), "", Retry, time.Time{}, "error: body cut"},
		{"guard refusal at dial time", 0, &url.Error{Op: "Post", URL: "http://localhost:9/", Err: &net.OpError{Op: "dial", Net: "tcp",
			Err: &ssrf.BlockedError{Target: "127.0.0.1", Reason: "loopback address"}}}, "", DeadLetter, time.Time{},
			"ssrf: 127.0.0.1 refused: loopback address (not retried)"},
		{"allow-list refusal", 0, &ssrf.BlockedError{Target: "https://evil.test/x", Reason: "matches no allowed URL regex"}, "", DeadLetter, time.Time{},
			"ssrf: https://evil.test/x refused: matches no allowed URL regex (not retried)"},
		{"deny-list refusal", 0, fmt.Errorf("send: %w", &ssrf.BlockedError{Target: "93.184.216.34", Reason: "in deny-listed 93.184.216.0/24"}), "", DeadLetter, time.Time{},
			"ssrf: 93.184.216.34 refused: in deny-listed 93.184.216.0/24 (not retried)"},
		{"bare ErrBlocked", 0, fmt.Errorf("dial: %w", ssrf.ErrBlocked), "", DeadLetter, time.Time{},
			"error: dial: ssrf: destination not allowed (not retried)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.status, tc.err, tc.retryAfter, now)
			want := Result{Kind: tc.kind, NotBefore: tc.notBefore, Reason: tc.reason}
			if !got.NotBefore.Equal(want.NotBefore) || got.Kind != want.Kind || got.Reason != want.Reason {
				t.Fatalf("Classify = %+v (%s), want %+v (%s)", got, got.Kind, want, want.Kind)
			}
		})
	}
}

func TestMinWait(t *testing.T) {
	now := time.Unix(1000, 0)
	tests := []struct {
		notBefore time.Time
		want      time.Duration
	}{
		{time.Time{}, 0},
		{now.Add(-time.Second), 0},
		{now, 0},
		{now.Add(90 * time.Second), 90 * time.Second},
	}
	for _, tc := range tests {
		if got := (Result{NotBefore: tc.notBefore}).MinWait(now); got != tc.want {
			t.Errorf("MinWait(%v) = %v, want %v", tc.notBefore, got, tc.want)
		}
	}
}

func TestNextTier(t *testing.T) {
	// The default --retry-tiers.
	tiers := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 12 * time.Hour}
	msTiers := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}
	tests := []struct {
		name        string
		delays      []time.Duration
		tier        int
		attempt     int
		maxAttempts int
		minWait     time.Duration
		next        int
		dead        bool
	}{
		{"first failure goes to tier 0", tiers, NoTier, 1, 0, 0, 0, false},
		{"tier 0 failure goes to tier 1", tiers, 0, 2, 0, 0, 1, false},
		{"middle tier", tiers, 3, 5, 0, 0, 4, false},
		{"last tier failure dead-letters", tiers, 5, 7, 0, 0, NoTier, true},
		{"maxAttempts reached", tiers, 1, 3, 3, 0, NoTier, true},
		{"maxAttempts not yet reached", tiers, 1, 2, 3, 0, 2, false},
		{"maxAttempts 1 never retries", tiers, NoTier, 1, 1, 0, NoTier, true},
		{"no tiers dead-letters at once", nil, NoTier, 1, 0, 0, NoTier, true},
		{"Retry-After within the next tier", tiers, NoTier, 1, 0, 30 * time.Second, 0, false},
		{"Retry-After equal to a delay", tiers, NoTier, 1, 0, 5 * time.Minute, 1, false},
		{"Retry-After skips tiers", tiers, NoTier, 1, 0, 20 * time.Minute, 3, false},
		{"Retry-After never goes back", tiers, 2, 4, 0, 30 * time.Second, 3, false},
		{"Retry-After beyond every tier uses the last", tiers, 0, 2, 0, 24 * time.Hour, 5, false},
		{"Retry-After on the last tier still dead-letters", tiers, 5, 7, 0, time.Minute, NoTier, true},
		{"maxAttempts beats Retry-After", tiers, NoTier, 2, 2, time.Minute, NoTier, true},
		{"millisecond tiers for tests", []time.Duration{10 * time.Millisecond, 50 * time.Millisecond}, NoTier, 1, 0, 20 * time.Millisecond, 1, false},
		{"bogus tier below NoTier starts at 0", tiers, -7, 1, 0, 0, 0, false},
		{"attempts left after the last tier stay in it", tiers, 5, 3, 7, 0, 5, false},
		{"the last attempt in the last tier dead-letters", tiers, 5, 7, 7, 0, NoTier, true},
		{"Retry-After 1s past millisecond tiers waits in the last", msTiers, NoTier, 1, 4, time.Second, 2, false},
		{"Retry-After skipping tiers keeps the attempts", msTiers, 2, 2, 4, time.Second, 2, false},
		{"Retry-After covered by the first remaining tier", msTiers, 0, 2, 4, 15 * time.Millisecond, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, dead := NextTier(tc.delays, tc.tier, tc.attempt, tc.maxAttempts, tc.minWait)
			if next != tc.next || dead != tc.dead {
				t.Fatalf("NextTier = (%d, %v), want (%d, %v)", next, dead, tc.next, tc.dead)
			}
		})
	}
}

// TestFlakyEndpointPath walks issue 4's example through both functions: two
// 503s then a 200 is three attempts over tiers 0 and 1.
func TestFlakyEndpointPath(t *testing.T) {
	tiers := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	now := time.Unix(0, 0)
	tier, attempts := NoTier, 0
	for _, status := range []int{503, 503, 200} {
		attempts++
		r := Classify(status, nil, "", now)
		if r.Kind == Success {
			break
		}
		next, dead := NextTier(tiers, tier, attempts, 0, r.MinWait(now))
		if dead {
			t.Fatalf("dead-lettered after %d attempts", attempts)
		}
		tier = next
	}
	if attempts != 3 || tier != 1 {
		t.Fatalf("attempts %d, last tier %d", attempts, tier)
	}
}

// TestRetryAfterKeepsEveryAttempt is issue 16's case: an endpoint that
// answers every attempt 429 with Retry-After: 1, above every tier's delay,
// is sent maxAttempts attempts, each after the longest delay there is; the
// old rule dead-lettered it after the second.
func TestRetryAfterKeepsEveryAttempt(t *testing.T) {
	tiers := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}
	for _, maxAttempts := range []int{1, 2, 4, 6} {
		now := time.Unix(1000, 0)
		tier, attempts := NoTier, 0
		var visited []int
		for {
			attempts++
			if attempts > 100 {
				t.Fatalf("maxAttempts %d: no end after %d attempts", maxAttempts, attempts)
			}
			r := Classify(429, nil, "1", now)
			next, dead := NextTier(tiers, tier, attempts, maxAttempts, r.MinWait(now))
			if dead {
				break
			}
			tier = next
			visited = append(visited, tier)
			now = now.Add(tiers[tier])
		}
		if attempts != maxAttempts {
			t.Errorf("maxAttempts %d: %d attempts made", maxAttempts, attempts)
		}
		for _, v := range visited {
			if v != len(tiers)-1 {
				t.Errorf("maxAttempts %d: waited in tier %d, want the last (%v)", maxAttempts, v, visited)
			}
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Success: "success", Retry: "retry", Disable: "disable", Kind(9): "unknown"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
}
