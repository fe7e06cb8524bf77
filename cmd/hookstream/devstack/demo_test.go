package devstack

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookstream/hookstream/platform/kafkatest"
)

// syncBuffer is a bytes.Buffer safe for the receiver's and the test's use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoShowsVerifiedDeliveries: `dev --demo` creates its webhook through
// the API and the built-in receiver prints deliveries whose signatures
// verify; a second run replaces the first demo webhook instead of piling up.
func TestDemoShowsVerifiedDeliveries(t *testing.T) {
	s := start(t, testConfig(t.TempDir()))
	defer s.Close()
	for run := 1; run <= 2; run++ {
		var out syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.RunDemo(ctx, &out, 50*time.Millisecond) }()
		kafkatest.WaitFor(t, 30*time.Second, "two verified deliveries", func() error {
			return kafkatest.Named("verified deliveries", kafkatest.Reached(strings.Count(out.String(), "verified standard"), 2))
		})
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if strings.Contains(out.String(), "REJECTED") {
			t.Errorf("run %d: a delivery did not verify:\n%s", run, out.String())
		}
	}
	demos := 0
	all, _ := s.api.Table().All()
	for _, w := range all {
		if w.Name == DemoName {
			demos++
		}
	}
	if demos != 1 {
		t.Errorf("%d demo webhooks after two runs, want 1", demos)
	}
}
