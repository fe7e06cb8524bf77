package ceiling

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
	"github.com/hookstream/hookstream/platform/secret"
)

// TestMain lets the test binary be the client process Measure starts.
func TestMain(m *testing.M) {
	RunClientIfAsked()
	os.Exit(m.Run())
}

func TestRequestsAreSignedDistinctEventsOfTheirSize(t *testing.T) {
	key, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	q := newRequests("http://127.0.0.1:1/ok", key, 7, 1024)
	seen := map[string]bool{}
	for range 3 {
		req, err := q.next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) != 1024 {
			t.Errorf("body of %d bytes, want 1024", len(body))
		}
		var b struct{ EventID, WebhookID string }
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if b.WebhookID != "ceiling-7" || b.EventID == "" || seen[b.EventID] {
			t.Errorf("event %q of webhook %q: want a new event of ceiling-7", b.EventID, b.WebhookID)
		}
		seen[b.EventID] = true
		if err := signature.Verify(req.Header, body, []string{key}, time.Now(), 0); err != nil {
			t.Errorf("signature of %s: %v", b.EventID, err)
		}
	}
	for _, cfg := range []Config{{Concurrency: 0, Duration: time.Second, BodyBytes: 1024}, {Concurrency: 1, Duration: 0, BodyBytes: 1024},
		{Concurrency: 1, Duration: time.Second, BodyBytes: minBody - 1}} {
		if _, err := run(context.Background(), cfg, "http://127.0.0.1:1/ok"); err == nil {
			t.Errorf("%+v was measured, want an error", cfg)
		}
	}
}

func TestMeasureCountsSignedRequestsTheReceiverTook(t *testing.T) {
	cfg := Config{Concurrency: 4, Duration: 300 * time.Millisecond, BodyBytes: 1024}
	res, err := Measure(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Seconds < cfg.Duration.Seconds() || res.RequestsPerSecond() <= 0 {
		t.Fatalf("%+v: want requests over at least %s", res, cfg.Duration)
	}
	if res.Concurrency != 4 || res.BodyBytes != 1024 || res.Scheme != string(signature.Standard) {
		t.Fatalf("%+v: want the conditions it ran under", res)
	}
	// The client's CPU is its own process's: some, and no more than its
	// cores could give over the measured time.
	if res.ClientCPUSeconds <= 0 || res.ClientCPUSeconds > res.Seconds*float64(runtime.NumCPU()) || res.ClientCPUSecondsPer1k() <= 0 {
		t.Fatalf("%+v: want the client's CPU over %.2f s on %d cores", res, res.Seconds, runtime.NumCPU())
	}
}

func TestMeasureReportsTheClientsFailure(t *testing.T) {
	// A body too small to hold the event is refused before any process
	// starts; a client that cannot reach its URL fails in its process, and
	// its words reach the caller.
	if _, err := Measure(context.Background(), Config{Concurrency: 1, Duration: time.Second, BodyBytes: 1}); err == nil || !strings.Contains(err.Error(), "body size 1") {
		t.Errorf("a 1-byte body measured with error %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/ok"
	ln.Close()
	_, err = startClient(context.Background(), Config{Concurrency: 1, Duration: time.Second, BodyBytes: 512}, url)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("a client posting to a closed port ended with error %v, want its refusal", err)
	}
}

// TestRunUsesKeepAliveConnectionsAndFailsOnAWrongAnswer checks the client
// side against a server that verifies every signature and counts the
// connections opened to it.
func TestRunUsesKeepAliveConnectionsAndFailsOnAWrongAnswer(t *testing.T) {
	var (
		mu     sync.Mutex
		conns  int
		refuse bool
		wrong  int
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		// The signature's value is checked against signature.Verify above;
		// here every request must carry one and the configured body.
		if r.Header.Get(signature.HeaderSignature) == "" || len(body) != 512 {
			wrong++
		}
		if refuse {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	res, err := run(context.Background(), Config{Concurrency: 8, Duration: 200 * time.Millisecond, BodyBytes: 512}, srv.URL+"/ok")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if conns > 8 || wrong > 0 || res.Requests < 8 {
		t.Errorf("%d requests over %d connections, %d unsigned or of the wrong size; want at most 8 connections, none wrong", res.Requests, conns, wrong)
	}
	refuse = true
	mu.Unlock()
	if _, err := run(context.Background(), Config{Concurrency: 2, Duration: time.Second, BodyBytes: 512}, srv.URL+"/ok"); err == nil || !strings.Contains(err.Error(), "want 204") {
		t.Errorf("answers of 500 measured with error %v, want one naming the answer", err)
	}
}
