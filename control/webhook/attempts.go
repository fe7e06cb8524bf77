package webhook

import (
	"fmt"
	"strings"
)

// checkMaxAttempts refuses more attempts than the tiers give: a task is
// tried once and once more in each tier, so a larger maxAttempts would be
// accepted and never reached.
func (r Rules) checkMaxAttempts(n int32) *FieldError {
	most := len(r.RetryTiers) + 1
	if int(n) <= most {
		return nil
	}
	tiers := "--retry-tiers is empty"
	if len(r.RetryTiers) > 0 {
		delays := make([]string, len(r.RetryTiers))
		for i, d := range r.RetryTiers {
			delays[i] = d.String()
		}
		tiers = fmt.Sprintf("--retry-tiers has %d tiers (%s)", len(r.RetryTiers), strings.Join(delays, ","))
	}
	return fieldErr("maxAttempts", "is %d, more than the retry tiers allow: %s, so at most %d attempts (the first and one a tier); 0 means %d",
		n, tiers, most, most)
}
