package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hookstream/hookstream/platform/topic"
)

// TierRecords is the sum of the end offsets of the stack's retry tier
// topics: every task the deliverer moved to a tier, after a failure or to
// make room, is one record there, whatever its metrics call the move. A
// transaction's commit marker would take an offset too, so the sum can
// overstate moves but never hide one; a tier nothing was moved to stays 0.
func (h *Harness) TierRecords(ctx context.Context, tiers []time.Duration) (int64, error) {
	names := topic.NewNames(h.Stack.Prefix, tiers)
	var topics []string
	for _, t := range names.Tiers {
		topics = append(topics, t.Topic)
	}
	client, err := kgo.NewClient(kgo.SeedBrokers(h.Stack.Brokers...))
	if err != nil {
		return 0, err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(client).ListEndOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("end offsets of the retry tiers: %w", err)
	}
	var sum int64
	ends.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	return sum, nil
}

// deferredMetric and deferredLabel name the series the deliverer counts the
// tasks with that it moved to the first tier because an endpoint's queue was
// full.
const (
	deferredMetric = "hookstream_deliveries_total"
	deferredLabel  = `outcome="deferred"`
)

// Deferred sums hookstream_deliveries_total{outcome="deferred"} over the
// stack's processes; false when no process exports the series (a deliverer
// that never defers need not have it).
func (h *Harness) Deferred(ctx context.Context) (float64, bool, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	var sum float64
	found := false
	for p, addr := range h.Stack.Metrics {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
		if err != nil {
			return 0, false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, false, fmt.Errorf("metrics of %s: %w", p.Name, err)
		}
		v, ok, err := deferredIn(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return 0, false, fmt.Errorf("metrics of %s: %w", p.Name, err)
		}
		sum += v
		found = found || ok
	}
	return sum, found, nil
}

// deferredIn reads the deferred series from a Prometheus text exposition:
// the sum of its samples, whatever other labels they carry.
func deferredIn(r io.Reader) (float64, bool, error) {
	var sum float64
	found := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, deferredMetric+"{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "}")
		if !ok || !hasLabel(labels, deferredLabel) {
			continue
		}
		f := strings.Fields(value)
		if len(f) == 0 {
			return 0, false, fmt.Errorf("no value in %q", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, false, fmt.Errorf("value of %q: %w", line, err)
		}
		sum += v
		found = true
	}
	return sum, found, sc.Err()
}

// hasLabel reports whether the comma-separated label set holds label.
func hasLabel(set, label string) bool {
	for l := range strings.SplitSeq(set, ",") {
		if strings.TrimSpace(l) == label {
			return true
		}
	}
	return false
}
