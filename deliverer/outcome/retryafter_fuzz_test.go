package outcome

import (
	"testing"
	"time"
)

// FuzzParseRetryAfter drives the Retry-After parser with any header value:
// it never panics, and what it accepts is later than now and at most a day
// away when given as seconds (a hostile value cannot overflow a duration or
// park a task for longer than any tier).
func FuzzParseRetryAfter(f *testing.F) {
	for _, v := range []string{"", "0", "1", "120", " 7 ", "-1", "99999999999999999999", "1.5",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Tue, 01 Dec 2026 22:00:00 GMT", "Monday, 01-Dec-26 23:00:00 GMT"} {
		f.Add(v)
	}
	now := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		at, ok := ParseRetryAfter(v, now)
		if !ok {
			if !at.IsZero() {
				t.Fatalf("refused %q but returned %v", v, at)
			}
			return
		}
		if !at.After(now) {
			t.Fatalf("%q: accepted %v, not after now", v, at)
		}
		if c := Classify(429, nil, v, now); c.Kind != Retry || c.NotBefore.Before(at) {
			t.Fatalf("%q: a 429 classified %+v, want a retry not before %v", v, c, at)
		}
	})
}
