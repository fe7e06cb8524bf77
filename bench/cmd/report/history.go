package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// historyTarget is one figure of the history index's scale test, its
// target and how to check it.
type historyTarget struct {
	name, key, unit, target string
	met                     func(v float64) bool
}

var historyTargets = []historyTarget{
	{"indexing rate", "attemptsPerSecond", "attempts/s", "≥ 50,000", func(v float64) bool { return v >= 50_000 }},
	{"peak RSS", "peakRssMb", "MB", "< 256", func(v float64) bool { return v < 256 }},
	{"disk per attempt", "diskBytesPerAttempt", "bytes", "reported", func(float64) bool { return true }},
	{"restart ready (reopen, checkpoint read)", "reopenMs", "ms", "< 10,000", func(v float64) bool { return v < 10_000 }},
	{"first page of one webhook's failures, p50", "firstPageP50Ms", "ms", "", nil},
	{"first page of one webhook's failures, p99", "firstPageP99Ms", "ms", "< 50", func(v float64) bool { return v < 50 }},
}

// historySection runs control/history's TestScale with n attempts and
// writes its figures (0 skips it).
func historySection(ctx context.Context, b *bytes.Buffer, n int) {
	if n <= 0 {
		return
	}
	title := fmt.Sprintf("\n## History index at %s attempts\n\n", group(n))
	cmd := exec.CommandContext(ctx, "go", "test", "./control/history/", "-run", "^TestScale$", "-v", "-count=1", "-timeout", "90m")
	cmd.Env = append(os.Environ(), "HOOKSTREAM_HISTORY_SCALE="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var res map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "history-scale: "); ok {
			_ = json.Unmarshal([]byte(rest), &res)
		}
	}
	if res == nil {
		fmt.Fprintf(b, "%sThe run failed: %v\n", title, err)
		return
	}
	fmt.Fprintf(b, "%s`HOOKSTREAM_HISTORY_SCALE=%d go test ./control/history/ -run TestScale -v`: the API's history store\n", title, n)
	fmt.Fprintf(b, "(control/history) indexes attempts shaped as the deliverer writes them (1,000 webhooks, one in ten a failure,\n")
	fmt.Fprintf(b, "six days of timestamps) in batches of 1,000, as the attempts tail applies fetches; Kafka and Avro decoding are\n")
	fmt.Fprintf(b, "not in the figures. RSS is of the test process, which holds nothing but the store.\n\n")
	fmt.Fprintf(b, "| figure | target | met | measured |\n|---|---|---|---|\n")
	for _, t := range historyTargets {
		v := num(res, t.key)
		met := ""
		if t.met != nil {
			met = "no"
			if t.met(v) {
				met = "yes"
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s %s |\n", t.name, t.target, met, strconv.FormatFloat(v, 'f', 1, 64), t.unit)
	}
	raw, _ := json.Marshal(res)
	fmt.Fprintf(b, "\n```json\n%s\n```\n", raw)
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), ",")
}
