package harness

import (
	"strings"
	"testing"
)

func TestDeferredIn(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       float64
		found      bool
	}{
		{"today's deliverer", `# HELP hookstream_deliveries_total Delivery tasks finished, by outcome.
# TYPE hookstream_deliveries_total counter
hookstream_deliveries_total{outcome="deferred"} 4188
hookstream_deliveries_total{outcome="success"} 95812
hookstream_deliveries_total_other{outcome="deferred"} 7
`, 4188, true},
		{"more labels, summed", "hookstream_deliveries_total{outcome=\"deferred\",tier=\"a\"} 2\nhookstream_deliveries_total{tier=\"b\",outcome=\"deferred\"} 3e0\n", 5, true},
		{"no such series", "hookstream_deliveries_total{outcome=\"success\"} 10\nhookstream_deliveries_total{outcome=\"deferredX\"} 1\n", 0, false},
		{"exported at zero", "hookstream_deliveries_total{outcome=\"deferred\"} 0\n", 0, true},
	} {
		got, found, err := deferredIn(strings.NewReader(c.text))
		if err != nil || got != c.want || found != c.found {
			t.Errorf("%s: got %v, %v, %v; want %v, %v, nil", c.name, got, found, err, c.want, c.found)
		}
	}
	if _, _, err := deferredIn(strings.NewReader("hookstream_deliveries_total{outcome=\"deferred\"} many\n")); err == nil {
		t.Error("a value that is not a number was read without an error")
	}
}
