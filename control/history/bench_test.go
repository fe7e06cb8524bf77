package history

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/schemas"
)

// synthetic makes attempts shaped as the deliverer writes them: ids that
// sort by time, the standard signature headers, an event of a few hundred
// bytes, one failure in ten with an error and a response snippet.
type synthetic struct {
	webhooks []string
	start    time.Time
	step     time.Duration
	n        int
}

func newSynthetic(webhooks int, span time.Duration, total int) *synthetic {
	s := &synthetic{start: time.Now().Add(-span), step: span / time.Duration(max(total, 1))}
	for i := range webhooks {
		s.webhooks = append(s.webhooks, fmt.Sprintf("wh_%032x", i*7919))
	}
	return s
}

func (s *synthetic) next() Record {
	i := s.n
	s.n++
	wh := s.webhooks[mrand.IntN(len(s.webhooks))]
	at := s.start.Add(time.Duration(i) * s.step).UTC()
	id := schemas.NewAttemptID(at)
	delivery := "msg_" + id[4:]
	et := []string{"entityCreated", "entityUpdated", "tagAdded", "entityDeleted"}[i%4]
	r := Record{
		ID: id, DeliveryID: delivery, WebhookID: wh, EventID: delivery[4:36], EventType: et, Attempt: 1, Tier: "deliveries",
		Outcome: Success, Success: true, StatusCode: 200, LatencyMs: int64(5 + i%40),
		RequestHeaders: map[string]string{
			"Content-Type": "application/json", "User-Agent": "hookstream/1.0",
			"Webhook-Id": delivery, "Webhook-Timestamp": strconv.FormatInt(at.Unix(), 10),
			"Webhook-Signature": "v1," + hex.EncodeToString([]byte(id))[:44],
		},
		ResponseSnippet: "ok",
		// The deliverer's attempts point at their task for the event.
		Task:      TaskRef{Topic: "hookstream.deliveries", Partition: int32(i % 12), Offset: int64(i / 12)},
		Timestamp: at,
	}
	if i%10 == 3 {
		r.Outcome, r.Success, r.StatusCode, r.Error = "retry", false, 503, "HTTP 503"
		r.ResponseSnippet = `{"error":"service unavailable","retryAfter":null}`
	}
	return r
}

// fill indexes n attempts in batches of batch, as the tail applies fetches.
func fill(tb testing.TB, s *Store, gen *synthetic, n, batch int) {
	b := &Batch{Topic: "attempts"}
	for i := 0; i < n; i++ {
		b.Add(gen.next())
		b.Advance(int32(i%3), int64(i/3))
		if len(b.Records) == batch || i == n-1 {
			if err := s.Apply(b); err != nil {
				tb.Fatal(err)
			}
			b.Reset()
		}
	}
}

// BenchmarkApply is the indexing rate: attempts of 1,000 webhooks in
// batches of 1,000 (a fetch).
func BenchmarkApply(b *testing.B) { benchApply(b, 1000) }

// BenchmarkApplySmallBatches is BenchmarkApply in batches of 30: against
// it, what each batch costs besides its attempts, which is why the API's
// history fetches wait for a batch's worth of bytes.
func BenchmarkApplySmallBatches(b *testing.B) { benchApply(b, 30) }

// benchApply indexes b.N attempts of 1,000 webhooks in batches of batch.
func benchApply(b *testing.B, batch int) {
	s := open(b, b.TempDir(), 0)
	defer s.Close()
	gen := newSynthetic(1000, time.Hour, b.N)
	b.ResetTimer()
	fill(b, s, gen, b.N, batch)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
}

// depth is the attempts indexed before the query benchmarks: 1,000
// webhooks of 200 attempts.
const depth = 200_000

var depthDir string

// deepStore is an index of depth attempts, built once per run.
func deepStore(b *testing.B) *Store {
	if depthDir == "" {
		dir, err := os.MkdirTemp("", "history-bench-")
		if err != nil {
			b.Fatal(err)
		}
		s := open(b, dir, 0)
		fill(b, s, newSynthetic(1000, 24*time.Hour, depth), depth, 1000)
		s.Close()
		depthDir = dir
	}
	return open(b, depthDir, 0)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if depthDir != "" {
		os.RemoveAll(depthDir)
	}
	os.Exit(code)
}

// BenchmarkFirstPageOfFailures is the first page (20) of one webhook's
// failures among 1,000 webhooks, newest first, with its count.
func BenchmarkFirstPageOfFailures(b *testing.B) {
	s := deepStore(b)
	defer s.Close()
	whs := s.webhooks()
	b.ResetTimer()
	for i := range b.N {
		p, err := s.Find(Query{WebhookID: whs[i%len(whs)], SuccessOrFailure: "failure", PageSize: 20, Descending: true})
		if err != nil || len(p.Records) == 0 {
			b.Fatal(err, len(p.Records))
		}
	}
}

// BenchmarkFirstPageOfAll is an admin's first page over every webhook.
func BenchmarkFirstPageOfAll(b *testing.B) {
	s := deepStore(b)
	defer s.Close()
	b.ResetTimer()
	for range b.N {
		if p, err := s.Find(Query{PageSize: 20, Descending: true}); err != nil || len(p.Records) != 20 {
			b.Fatal(err)
		}
	}
}

// BenchmarkReopen is a restart: open the index and read its checkpoint.
func BenchmarkReopen(b *testing.B) {
	deepStore(b).Close()
	b.ResetTimer()
	for range b.N {
		s := open(b, depthDir, 0)
		if _, err := s.Offsets("attempts"); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// TestScale indexes HOOKSTREAM_HISTORY_SCALE attempts (10,000,000 for
// docs/performance.md) of 1,000 webhooks and reports the rate, the peak
// RSS, the disk use, the reopen time and the p99 of the first page of one
// webhook's failures:
//
//	HOOKSTREAM_HISTORY_SCALE=10000000 go test ./control/history/ -run TestScale -v -timeout 60m
func TestScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOOKSTREAM_HISTORY_SCALE"))
	if n <= 0 {
		t.Skip("set HOOKSTREAM_HISTORY_SCALE to the number of attempts")
	}
	dir := t.TempDir()
	s := open(t, dir, 7*24*time.Hour)
	gen := newSynthetic(1000, 6*24*time.Hour, n)
	start := time.Now()
	fill(t, s, gen, n, 1000)
	took := time.Since(start)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	disk := dirBytes(t, dir)

	start = time.Now()
	s = open(t, dir, 7*24*time.Hour)
	off, err := s.Offsets("attempts")
	reopen := time.Since(start)
	if err != nil || len(off) != 3 || s.Len() != int64(n) {
		t.Fatalf("reopened: %v %v, %d attempts", off, err, s.Len())
	}
	defer s.Close()
	whs := s.webhooks()
	var lat []time.Duration
	for i := range 1000 {
		q := Query{WebhookID: whs[mrand.IntN(len(whs))], SuccessOrFailure: "failure", PageSize: 20, Descending: true}
		t0 := time.Now()
		p, err := s.Find(q)
		lat = append(lat, time.Since(t0))
		if err != nil || (i == 0 && len(p.Records) != 20) {
			t.Fatalf("first page: %v, %d records", err, len(p.Records))
		}
	}
	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	rss, hwm := memory(t)
	// bench/cmd/report reads this line into docs/performance.md.
	line, _ := json.Marshal(map[string]any{
		"attempts": n, "attemptsPerSecond": float64(n) / took.Seconds(), "diskBytes": disk, "diskBytesPerAttempt": float64(disk) / float64(n),
		"reopenMs": float64(reopen.Microseconds()) / 1000, "firstPageP50Ms": float64(lat[len(lat)/2].Microseconds()) / 1000,
		"firstPageP99Ms": float64(p99.Microseconds()) / 1000, "rssMb": rss >> 20, "peakRssMb": hwm >> 20, "webhooks": len(whs),
	})
	fmt.Printf("history-scale: %s\n", line)
	t.Logf("attempts %d: rate %.0f/s (%s), disk %d bytes (%.0f per attempt), reopen %s, first page of failures p50 %s p99 %s, RSS %d MB (peak %d MB)",
		n, float64(n)/took.Seconds(), took.Round(time.Second), disk, float64(disk)/float64(n), reopen.Round(time.Millisecond),
		lat[len(lat)/2].Round(time.Microsecond), p99.Round(time.Microsecond), rss>>20, hwm>>20)
}

func dirBytes(t *testing.T, dir string) int64 {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// memory reads VmRSS and VmHWM (the peak) of this process.
func memory(t *testing.T) (rss, peak int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Log("no /proc/self/status:", err)
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			if f[0] == "VmRSS:" {
				rss = kb << 10
			} else {
				peak = kb << 10
			}
		}
	}
	return rss, peak
}

// BenchmarkFromAttempt is the conversion of every attempt the tail reads
// into the record the index stores.
func BenchmarkFromAttempt(b *testing.B) {
	r := newSynthetic(1, time.Hour, 1).next()
	a := schemas.DeliveryAttempt{
		AttemptID: r.ID, DeliveryID: r.DeliveryID, WebhookID: r.WebhookID, EventID: r.EventID, EventType: r.EventType,
		Attempt: r.Attempt, Tier: r.Tier, Outcome: r.Outcome, StatusCode: r.StatusCode, LatencyMs: r.LatencyMs,
		RequestHeaders: r.RequestHeaders, ResponseSnippet: r.ResponseSnippet, Timestamp: r.Timestamp,
		TaskTopic: r.Task.Topic, TaskPartition: r.Task.Partition, TaskOffset: r.Task.Offset,
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = FromAttempt(a)
	}
}
