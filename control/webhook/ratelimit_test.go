package webhook

import (
	"math"
	"testing"
)

// rateLimitPerSecond is 0 (no limit) or from MinRateLimitPerSecond up.
func TestRateLimitRule(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		ok   bool
	}{
		{0, true},
		{MinRateLimitPerSecond, true},
		{2.5, true},
		{MaxRateLimitPerSecond, true},
		{0.001, false},
		{0.999, false},
		{-1, false},
		{MaxRateLimitPerSecond + 1, false},
		{math.Inf(1), false},
		{math.NaN(), false},
	} {
		sp := Spec{RateLimitPerSecond: tc.rate}
		err := checkNumbers(&sp, Rules{}.maxTimeoutSeconds())
		if tc.ok != (err == nil) {
			t.Errorf("rateLimitPerSecond %v: %v, want ok=%v", tc.rate, err, tc.ok)
		}
		if err != nil && err.Field != "rateLimitPerSecond" {
			t.Errorf("rateLimitPerSecond %v: error names %q", tc.rate, err.Field)
		}
	}
}
