// Command report regenerates docs/performance.md (scripts/perf-report): it
// runs bin/bench and bin/chaos for every scenario the document shows, with
// --json, profiles one run, and writes the figures beside a description of
// the machine. Nothing in the document's tables is typed by hand.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// run is one scenario of the document.
type run struct {
	title  string
	target string
	tool   string // bench or chaos
	args   []string
	// check says whether the figures meet the target.
	check func(r map[string]any) bool
	// note, when set, adds figures beyond the table's columns to the
	// scenario's cell.
	note func(r map[string]any) string
}

func num(r map[string]any, k string) float64 {
	v, _ := r[k].(float64)
	return v
}

func runs(real bool) []run {
	rs := []run{
		{"Steady burst, embedded broker (10 webhooks × 10,000 events of 1 KiB)", "≥ 10,000 deliveries/s", "bench",
			[]string{"--events", "10000"}, func(r map[string]any) bool { return num(r, "deliveriesPerSecond") >= 10000 && num(r, "lost") == 0 }, nil},
		{"Latency at 1,000 events/s, embedded (1 webhook)", "p99 < 100 ms", "bench",
			[]string{"--events", "5000", "--rate", "1000", "--webhooks", "1"}, func(r map[string]any) bool { return num(r, "p99Ms") < 100 && num(r, "lost") == 0 }, nil},
		{"Latency at 1,000 events/s, embedded (10 webhooks: 10,000 deliveries/s)", "p99 < 100 ms", "bench",
			[]string{"--events", "10000", "--rate", "1000"}, func(r map[string]any) bool { return num(r, "p99Ms") < 100 && num(r, "lost") == 0 }, nil},
		{"Fan-out: one event to 100 webhooks", "no loss", "bench",
			[]string{"--scenario", "fanout"}, func(r map[string]any) bool { return num(r, "lost") == 0 }, nil},
		{"1,000 endpoints", "peak RSS < 300 MB per process", "bench",
			[]string{"--scenario", "endpoints"}, func(r map[string]any) bool { return num(r, "peakRssMb") < 300 && num(r, "lost") == 0 }, nil},
		{"One dead endpoint beside 10 healthy ones", "healthy keep ≥ 90%", "bench",
			[]string{"--scenario", "dead"}, func(r map[string]any) bool { return num(r, "healthyShare") >= 0.9 && num(r, "lost") == 0 }, healthyNote},
		{"Retry storm: 30% of answers are 500", "no loss, 0 order violations", "bench",
			[]string{"--scenario", "storm"}, func(r map[string]any) bool { return num(r, "lost") == 0 && inOrder(r) }, nil},
		{"Burst with the default retry tiers, embedded (10 webhooks × 10,000 events: 100,000 deliveries)", "0 moved to a retry tier, no loss", "bench",
			[]string{"--scenario", "burst"}, func(r map[string]any) bool { return moved(r) == 0 && num(r, "lost") == 0 }, burstNote},
		{"Ordered by entity vs unordered, embedded (10 webhooks × 10,000 entities × 3 updates, keyed by entity)", "ordered ≥ 90% of unordered, 0 order violations", "bench",
			[]string{"--scenario", "ordered"}, func(r map[string]any) bool {
				un, _ := r["unordered"].(map[string]any)
				return num(r, "orderedShare") >= 0.9 && inOrder(r) && num(r, "lost") == 0 && un != nil && num(un, "lost") == 0
			}, orderedNote},
		{"One hot entity ordered, embedded (10,000 updates of one key to one webhook)", "0 order violations, no loss", "bench",
			[]string{"--scenario", "hot"}, func(r map[string]any) bool { return inOrder(r) && num(r, "lost") == 0 }, hotNote},
		{"Isolation with the default tiers: 10 healthy webhooks beside one endpoint answering after 5 s and one refusing connections", "healthy keep ≥ 90%, the slow one gets every delivery", "bench",
			[]string{"--scenario", "isolation"}, func(r map[string]any) bool {
				return num(r, "healthyShare") >= 0.9 && num(r, "slowExpected") > 0 && num(r, "slowDelivered") == num(r, "slowExpected") && num(r, "lost") == 0
			}, isolationNote},
		// The in-process kfake broker has taken minutes to settle its
		// group rebalances under this churn (routers waiting in JoinGroup):
		// the run waits that out rather than count late pairs as lost.
		{"Chaos, embedded broker (in-process kfake): SIGKILLed routers and deliverers, flaky endpoints", "lost = 0", "chaos",
			[]string{"--quiet", "4m", "--timeout", "8m"}, func(r map[string]any) bool { return num(r, "lost") == 0 }, nil},
	}
	if real {
		rs = append(rs,
			run{"Steady burst, real Kafka (router, deliverer, API as processes)", "≥ 5,000 deliveries/s", "bench",
				[]string{"--kafka", "real", "--events", "10000"}, func(r map[string]any) bool { return num(r, "deliveriesPerSecond") >= 5000 && num(r, "lost") == 0 }, nil},
			run{"1,000 endpoints, real Kafka", "peak RSS < 300 MB per process", "bench",
				[]string{"--kafka", "real", "--scenario", "endpoints"}, func(r map[string]any) bool { return num(r, "peakRssMb") < 300 && num(r, "lost") == 0 }, nil},
			run{"Chaos, real Kafka: SIGKILLs and a broker restart", "lost = 0", "chaos",
				[]string{"--kafka", "real"}, func(r map[string]any) bool { return num(r, "lost") == 0 }, nil},
		)
	}
	// Last, so that adding it renumbered no row the text refers to.
	rs = append(rs, run{"Raw HTTP ceiling of the machine, no hookstream: Go's net/http client to the bench receiver on loopback", "reported", "bench",
		[]string{"--scenario", "ceiling"}, func(r map[string]any) bool { return num(r, "ceilingRequestsPerSecond") > 0 }, ceilingRowNote})
	return rs
}

func main() {
	out := flag.String("out", "docs/performance.md", "the document to write")
	real := flag.Bool("real", true, "also run the real-Kafka scenarios (scripts/kafka-local)")
	historyScale := flag.Int("history-scale", 10_000_000, "attempts the history index scale test indexes (0: skip it)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Performance\n\nGenerated by `scripts/perf-report` on %s. Every figure below was measured by\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "`scripts/bench` or `scripts/chaos` in that run (their `--json` lines are in the table's last column);\nnothing is typed by hand. Run `scripts/perf-report` to measure again on your machine.\n\n")
	machine(&b)
	fmt.Fprintf(&b, "\n## Results\n\n| scenario | target | met | deliveries/s | p50 / p95 / p99 ms | CPU s per 1k | peak RSS MB | expected | delivered | duplicates | lost |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	var raws []string
	failed := 0
	results := map[string]map[string]any{}
	for i, r := range runs(*real) {
		fmt.Fprintf(os.Stderr, "perf-report: %s\n", r.title)
		res, raw, err := measure(ctx, r)
		if err != nil {
			fmt.Fprintf(os.Stderr, "perf-report: %s: %v\n", r.title, err)
		}
		met := "no"
		if res != nil && r.check(res) {
			met = "yes"
		} else {
			failed++
		}
		raws = append(raws, fmt.Sprintf("%d. `scripts/%s %s --json`\n\n   ```json\n   %s\n   ```", i+1, r.tool, strings.Join(r.args, " "), strings.TrimSpace(raw)))
		row(&b, i+1, r, res, met)
		results[r.title] = res
		// A run stopped halfway still leaves the rows it measured.
		partial := append(bytes.Clone(b.Bytes()), "\n(perf-report is still running: the rows below this one are missing)\n"...)
		if err := os.WriteFile(*out, partial, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "perf-report:", err)
		}
	}
	fmt.Fprintf(&b, "\nNotes on reading the table: deliveries/s counts first receipts of distinct (event, webhook) pairs from the first\nproduce to the last receipt; latency is produce call to receipt at the endpoint; CPU and RSS are of the hookstream\nprocesses only (one `hookstream dev` process when embedded, which also holds the broker and all its data in\nmemory; router, deliverer and API with real Kafka), not of the bench tool's producer and receiver, which share the\nsame two cores. In the dead-endpoint row deliveries/s is the healthy webhooks' with the dead one present; the\nbaseline without it is in the raw line.\n")
	fmt.Fprintf(&b, "\nThe rows that say \"of the raw HTTP ceiling\" measured, in the same run, after the warm-up and before the first\nevent (hookstream's processes idle, so the two did not compete; the CPU they used meanwhile is `ceiling.stackCpuSeconds`\nin the raw line), what Go's own net/http client gets from the same receiver code over loopback: keep-alive\nconnections, POST bodies of the events' size signed with hookstream's signing code; the fraction is the row's\ndeliveries/s over that run's requests/s (`ceilingRatio`, `ceilingRequestsPerSecond`). The ceiling's client runs in a\nprocess of its own, so its CPU is read apart from the receiver's: the rows put hookstream's CPU per delivery (all its\nprocesses) beside that bare client's CPU per request (`ceilingClientCpuSecondsPer1k`), the least any sender built on\nGo's HTTP client pays on the machine: it runs flat out, where a request costs it least (paced slower, a client finds\nless work per wake-up and pays more per request). The ceiling row measures the same alone. On a shared machine every\nfigure moves with whatever else runs at the time; the ratios compare under the same conditions.\n")
	notes(&b, runs(*real), results)
	// § stands for a backquote, which a raw string cannot hold.
	b.WriteString("\n" + strings.ReplaceAll(optimisationNotes, "§", "`"))
	profileSection(ctx, &b)
	capacity(&b, results)
	historySection(ctx, &b, *historyScale)
	fmt.Fprintf(&b, "\n## Raw results\n\n%s\n", strings.Join(raws, "\n"))
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "perf-report:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "perf-report: wrote %s (%d scenarios missed their target)\n", *out, failed)
}

func measure(ctx context.Context, r run) (map[string]any, string, error) {
	args := append([]string{"--root", ".", "--json"}, r.args...)
	cmd := exec.CommandContext(ctx, filepath.Join("bin", r.tool), args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	line := strings.TrimSpace(string(out))
	var res map[string]any
	if jerr := json.Unmarshal([]byte(line), &res); jerr != nil {
		return nil, line, fmt.Errorf("%v; output %q: %w", err, line, jerr)
	}
	return res, line, err
}

func row(b *bytes.Buffer, i int, r run, res map[string]any, met string) {
	if res == nil {
		fmt.Fprintf(b, "| %d. %s | %s | no (run failed) | | | | | | | | |\n", i, r.title, r.target)
		return
	}
	if r.tool == "chaos" {
		fmt.Fprintf(b, "| %d. %s (%v kills, %v broker restarts) | %s | %s | | | | | %.0f | %.0f | %.0f | %.0f |\n", i, r.title,
			res["kills"], res["brokerRestarts"], r.target, met, num(res, "expected"), num(res, "delivered"), num(res, "duplicates"), num(res, "lost"))
		return
	}
	var notes []string
	if r.note != nil {
		notes = append(notes, r.note(res))
	}
	if res["scenario"] == "ceiling" {
		fmt.Fprintf(b, "| %d. %s (%s) | %s | %s | | | | | | | | |\n", i, r.title, strings.Join(notes, "; "), r.target, met)
		return
	}
	if n := ceilingNote(res); n != "" {
		notes = append(notes, n)
	}
	extra := ""
	if len(notes) > 0 {
		extra = " (" + strings.Join(notes, "; ") + ")"
	}
	fmt.Fprintf(b, "| %d. %s%s | %s | %s | %.0f | %.1f / %.1f / %.1f | %.3f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", i, r.title, extra, r.target, met,
		num(res, "deliveriesPerSecond"), num(res, "p50Ms"), num(res, "p95Ms"), num(res, "p99Ms"), num(res, "cpuSecondsPer1k"),
		num(res, "peakRssMb"), num(res, "expected"), num(res, "deliveries"), num(res, "duplicates"), num(res, "lost"))
}

// machine describes the computer the figures come from.
func machine(b *bytes.Buffer) {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := "unknown"
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(raw), "\n", 2)[0]); len(f) >= 2 {
			mem = f[1] + " kB"
		}
	}
	kernel, _ := exec.Command("uname", "-sr").Output()
	java, _ := exec.Command("java", "-version").CombinedOutput()
	fmt.Fprintf(b, "## Machine\n\n- CPU: %s, %d cores visible to Go\n- Memory: %s\n- Kernel: %s\n- Go: %s\n- Java (real Kafka): %s\n",
		model, runtime.NumCPU(), mem, strings.TrimSpace(string(kernel)), runtime.Version(), strings.TrimSpace(strings.SplitN(string(java), "\n", 2)[0]))
}

// profileSection profiles a steady embedded run and lists where the
// hookstream process's CPU goes, by component.
func profileSection(ctx context.Context, b *bytes.Buffer) {
	dir, err := os.MkdirTemp("", "perf-profile")
	if err != nil {
		return
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, "bin/bench", "--root", ".", "--json", "--events", "10000", "--rate", "1000", "--cpuprofile", dir)
	cmd.Stderr = os.Stderr
	if _, err := cmd.Output(); err != nil {
		fmt.Fprintf(b, "\n## Where the time goes\n\nThe profiled run failed: %v\n", err)
		return
	}
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=400", "bin/hookstream", filepath.Join(dir, "dev.pprof")).Output()
	if err != nil {
		fmt.Fprintf(b, "\n## Where the time goes\n\npprof failed: %v\n", err)
		return
	}
	// Group the cumulative shares by the hookstream function that owns them.
	type share struct {
		name string
		pct  string
	}
	var shares []share
	for _, l := range strings.Split(string(top), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || !strings.Contains(f[5], "hookstream/hookstream/") {
			continue
		}
		name := strings.TrimPrefix(f[5], "github.com/hookstream/hookstream/")
		shares = append(shares, share{name, f[4]})
	}
	fmt.Fprintf(b, "\n## Where the time goes\n\nA 5 s CPU profile (`scripts/bench --cpuprofile DIR`, pprof on the metrics address) of the `hookstream dev`\nprocess during row 3's load; cumulative share of the process's samples by hookstream function, largest first\n(a function's share includes what it calls):\n\n| function | cumulative |\n|---|---|\n")
	for i, s := range shares {
		if i == 25 {
			break
		}
		fmt.Fprintf(b, "| `%s` | %s |\n", s.name, s.pct)
	}
}

// Assumptions of the capacity plan, stated in the document.
const (
	fanOut         = 3.0   // average webhooks per event
	eventBytes     = 1024  // event size, as benchmarked
	taskOverhead   = 300   // bytes a task adds to its event
	replication    = 3     // Kafka replication factor
	brokerWriteMBs = 100.0 // per-broker write budget, MB/s, before replication headroom
	headroom       = 1.5   // CPU headroom for retries and rebalances
)

// capacity writes the capacity plan, computed from the measured CPU cost per
// delivery (real Kafka if it ran, else embedded).
func capacity(b *bytes.Buffer, results map[string]map[string]any) {
	source := "Steady burst, real Kafka (router, deliverer, API as processes)"
	res := results[source]
	if res == nil || num(res, "cpuSecondsPer1k") == 0 {
		source = "Steady burst, embedded broker (10 webhooks × 10,000 events of 1 KiB)"
		res = results[source]
	}
	if res == nil || num(res, "cpuSecondsPer1k") == 0 {
		fmt.Fprintf(b, "\n## Capacity plan\n\nNot computed: no steady run succeeded.\n")
		return
	}
	cpu := num(res, "cpuSecondsPer1k")
	fmt.Fprintf(b, "\n## Capacity plan\n\nComputed from row \"%s\": %.3f CPU seconds of hookstream processes per 1,000 deliveries "+
		"(router, deliverer and API together). Assumptions (constants in `bench/cmd/report`): fan-out %.0f webhooks per event, "+
		"%d-byte events, %d bytes of task overhead, replication %d, a broker write budget of %.0f MB/s, CPU headroom ×%.1f. "+
		"Method in `operations.md`.\n\n| events/s | deliveries/s | hookstream cores | routers + deliverers (min 2 each) | partitions | Kafka writes MB/s (replicated) | brokers |\n|---|---|---|---|---|---|---|\n",
		source, cpu, fanOut, eventBytes, taskOverhead, replication, brokerWriteMBs, headroom)
	for _, events := range []float64{100, 1_000, 10_000, 100_000, 1_000_000} {
		deliveries := events * fanOut
		cores := deliveries * cpu / 1000 * headroom
		procs := max(4, int(cores+0.999)) // one core per process, at least two of each kind
		partitions := 12
		for partitions < procs {
			partitions *= 2
		}
		writes := (events*eventBytes + deliveries*(eventBytes+taskOverhead)*2) * replication / 1e6
		brokers := max(3, int(writes/brokerWriteMBs+0.999))
		fmt.Fprintf(b, "| %.0f | %.0f | %.1f | %d | %d | %.0f | %d |\n", events, deliveries, cores, procs, partitions, writes, brokers)
	}
}

// optimisationNotes are what the profiles taken while optimising showed;
// prose without figures, kept here so a regenerated document keeps them.
const optimisationNotes = `## Where the time goes (profiles read while optimising)

CPU profiles (§scripts/bench --cpuprofile DIR§) of §hookstream dev§ under the steady load showed, before this
report's runs: HTTP connections re-dialled on every request (the idle pool was sized per webhook, and every
benchmark webhook shares one host), and tasks deferred to the first retry tier because a healthy endpoint's
in-memory queue filled during a burst. Both are fixed (idle connections per host up to §--max-in-flight§;
an endpoint's queue grows to five seconds of its measured pace, or its share of §--max-pending§ among
endpoints with work: a webhook's tasks share a partition, so one fetch brings seconds of one endpoint's work,
and a tighter limit sent a large part of a burst round the first tier).

Avro (issue 20): before, every record went through goavro's generic maps (a §map[string]any§ per record and
an interface per value, plus a reflection pass that looked up struct tags on every record): the router's task
encode was close to half of the router's samples, and encode plus decode about a fifth of §dev§'s. Records are
now read and written by plans compiled once per writer schema and Go type from the same schema tree
(§schemas/codec_*.go§; goavro still parses and validates every schema and is the reference the codec is
tested against, byte for byte, in §TestCodecMatchesGoavro§ and §FuzzCodec§). In the profile after, the
serde is a small share, mostly the UTF-8 checks that must stay and the copy of each record's body.

The history index checked every attempt's event to be JSON as it stored it; it now checks when a record is read
(every attempt is stored, few are read).

Profiles of the three processes on real Kafka (router, deliverer, API) then showed the deliverer at about
two thirds of the stack's CPU, the API at a sixth and the router at the rest. Three items went: every attempt
record carried a copy of its task's event, most of its bytes, encoded and compressed by the deliverer and
decompressed, decoded and written into pebble again by the API (attempts now point at their task record and
the history reads the event from there when a page is served); the check that each request's event is one
JSON object was §encoding/json.Valid§, a twelfth of the deliverer (now segmentio's validator, held to the
same verdicts by a fuzz test); and the commit path walked every in-flight offset's flag one by one, on every
commit of every partition, which the deliverer makes after each ordered delivery (the flags are bytes now,
walked with §bytes.IndexByte§). An allocation profile of the deliverer (§/debug/pprof/allocs§ under the same
load) then put garbage collection's cost at two places: the commit snapshot built every run of every
partition's window, though the commit metadata carries only the first few thousand bytes of them (it reads
no more now), and the request body copied the event once to check it and again into the body, which grew as
it was written (the event is checked where it is written, in a body sized for it). A later CPU profile of the
deliverer on real Kafka still showed the snapshot's run slices growing on every commit (about a fiftieth of the
deliverer, most of its §growslice§): the runs of a partition's trackers now go into one buffer the partition
keeps between commits, and the metadata's pairs are encoded through the stack (§BenchmarkSnapshot§).
Profiles covering a whole real-Kafka run (§scripts/bench --cpuprofile-duration§, with the CPU split by process
in §cpuSecondsPer1kByProcess§) and an allocation profile of the deliverer then showed three more: each
commit's metadata allocated buffers sized for the whole metadata budget though it usually holds a few bytes,
and commits run many times a second while ordered keys wait (now built on the stack, one allocation of its
exact size: §BenchmarkCommitMetaFew§); the sender signed into a header map of its own and merged it into the
request's (it signs into the request's headers now, §BenchmarkPrepare§); and every request went through an
§http.Client§, which copied the request's headers in case of a redirect that the sender never follows (it
calls its transport itself, its errors worded as the client's). In the API, the history's §Apply§ allocated
every key and value it gave the batch, which copies them (now built in two reused buffers, §BenchmarkApply§);
in the deliverer, every response body was read by §io.ReadAll§ into a fresh buffer though only its snippet
is kept (now pooled room for the snippet, the rest counted). The largest of this round was the API's: its
whole-run profile had a seventh of its CPU in the Kafka client's requests and responses, because the broker
answered every fetch of the attempts topic as soon as a few attempts were there and each fetch became a pebble
batch of its own; the history's fetches now wait for a large batch or the tail's short wait
(§BenchmarkApplySmallBatches§ against §BenchmarkApply§ shows the per-batch share; the rows above are measured after it).
After it, pebble's compactions were a quarter of the API: attempt ids were random, so every flush overlapped all
the id entries already compacted and each compaction rewrote them again, a cost that grows with the index.
Attempt ids now start with their time (same format), and the index by id grows at its end (the history table
above is measured after it; its commit gives the scale test's figures before and after). A whole-run profile of
§hookstream dev§ in the burst then showed two small items: the generic format encoded its two webhook fields with
§encoding/json.Marshal§ for every event (now once per body with segmentio's encoder, held to the same bytes by a
fuzz test: §BenchmarkRender§), and the verdict on every answer allocated a target for §errors.As§ and a formatted
reason though most answers carry no error (§BenchmarkClassify§).

The dead-endpoint row missed its target in every earlier report. Metrics read every half second during it
showed why: the dead endpoint's requests hang until their timeout, so it is not failing, and with its share of
§--max-pending§ growing as the healthy endpoints empty their queues it is not over its queue limit either; its
queue took the whole budget, the poll loop stopped fetching, and the healthy webhooks' deliveries slowed and then
stood still for two seconds until the timeouts. An endpoint with requests out and no answer for two seconds is now
parked once it holds §--endpoint-queue§ tasks (§docs/delivery.md§); the row above is measured after it. Two smaller
items: signing and preparing a request allocated every header value apart (§BenchmarkHeaders§ and
§BenchmarkPrepare§: 16 and 22 allocations before, 13 and 15 after), and every ordered finish asked for an offset
commit at once, also when no task of its key waited for it (it is the next tick's now, unless one does).

What remains, largest first: the HTTP client and server paths (the write and read system calls of each
request are the largest single item, and the raw ceiling pays them too: its bare client's CPU per request,
beside each row's CPU per delivery, is what that part costs on the machine), the history index's writes (pebble's
memtable inserts of three keys per attempt), signing each request (SHA-256 of the body), snappy compression of
produced batches (most of it in the router, whose tasks each carry the event), the offset commits themselves,
and garbage collection of the per-record allocations. Matching is negligible for selective filters; broad
("*") matching was quadratic in the number of matches and now uses a set past 32.

Memory at 1,000 endpoints: the deliverer's Go runtime metrics and goroutine profile (§/debug/pprof/goroutine§)
during the 1,000-endpoint run showed thousands of goroutines, most of them endpoint workers waiting for a
request slot (every endpoint with work started up to §--max-in-flight-per-endpoint§ workers), their stacks
weighing more than the live heap. Workers now come from one pool of §--max-in-flight§ places that endpoints take
turns at after every batch, so goroutines are bounded by the process's in-flight bound, not by the number
of endpoints. The heap that remains is mostly fetched batches (decompressed) and decoded tasks, bounded by
§--max-pending§, and the client side of up to §--max-in-flight§ HTTP connections.
`
