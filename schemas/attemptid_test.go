package schemas

import (
	"regexp"
	"testing"
	"time"
)

// TestAttemptIDsSortByTime: the history's index by id grows at its end only
// if later attempts get larger ids; ids of one instant still differ, and
// the format stays att_ and 32 hex digits.
func TestAttemptIDsSortByTime(t *testing.T) {
	format := regexp.MustCompile(`^att_[0-9a-f]{32}$`)
	at := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		id := NewAttemptID(at.Add(time.Duration(i) * time.Microsecond))
		if !format.MatchString(id) {
			t.Fatalf("id %q", id)
		}
		if id <= prev {
			t.Fatalf("id %q made after %q sorts before it", id, prev)
		}
		prev = id
	}
	if a, b := NewAttemptID(at), NewAttemptID(at); a == b {
		t.Errorf("two ids of one instant are both %q", a)
	}
}
