package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hookstream/hookstream/cmd/hookstream/receiver"
	"github.com/hookstream/hookstream/platform/ops"
	"github.com/hookstream/hookstream/producer"
)

// DemoName names the demo webhook; a restart replaces the one it finds.
const DemoName = "hookstream demo"

// DefaultDemoInterval is the pause between demo events.
const DefaultDemoInterval = 3 * time.Second

// RunDemo shows a newcomer the whole path in one terminal: it creates a
// webhook, through the API like any client, pointing at a receiver served
// here on 127.0.0.1, then produces a sample event every interval; the
// receiver verifies and prints each delivery to out. It runs until ctx ends.
func (s *Stack) RunDemo(ctx context.Context, out io.Writer, interval time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo receiver: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/demo"
	id, sec, err := s.createDemoWebhook(ctx, url)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(out, "demo: webhook %s delivers to the receiver at %s; an event every %s\n", id, url, interval)
	client, err := producer.New(ctx, producer.Config{Brokers: []string{s.KafkaAddr}, RegistryURL: s.RegistryURL, ClientID: "hookstream-demo"})
	if err != nil {
		ln.Close()
		return fmt.Errorf("demo producer: %w", err)
	}
	defer client.Close()
	g, ctx := errgroup.WithContext(ctx)
	h := receiver.Handler(receiver.Config{Secrets: []string{sec}}, out, time.Now)
	g.Go(func() error { return ops.Serve(ctx, ln, h, s.log) })
	g.Go(func() error {
		synth := producer.NewSynthetic(uint64(time.Now().UnixNano()), time.Now)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for n := 0; ; n++ {
			var err error
			if n%4 == 3 {
				err = client.EmitWorkflow(ctx, synth.Workflow())
			} else {
				err = client.EmitMetadata(ctx, synth.Metadata())
			}
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("demo: produce: %w", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
	})
	return g.Wait()
}

// createDemoWebhook deletes earlier demo webhooks (their receivers are
// gone) and creates one for url, returning its id and secret.
func (s *Stack) createDemoWebhook(ctx context.Context, url string) (id, sec string, err error) {
	var existing struct {
		Records []struct{ ID, Name string } `json:"records"`
	}
	if err := s.call(ctx, "GET", "/api/v1/webhooks?pageSize=1000", nil, http.StatusOK, &existing); err != nil {
		return "", "", err
	}
	for _, w := range existing.Records {
		if w.Name == DemoName {
			if err := s.call(ctx, "DELETE", "/api/v1/webhooks/"+w.ID, nil, http.StatusNoContent, nil); err != nil {
				return "", "", err
			}
		}
	}
	var created struct{ ID, Secret string }
	body := map[string]any{"name": DemoName, "url": url, "global": true, "eventTypes": []string{"*"},
		"description": "created by hookstream dev --demo"}
	if err := s.call(ctx, "POST", "/api/v1/webhooks", body, http.StatusCreated, &created); err != nil {
		return "", "", err
	}
	return created.ID, created.Secret, nil
}

// call makes one API request with the admin token.
func (s *Stack) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.APIURL+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("demo: %s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("demo: %s %s: %w", method, path, err)
		}
	}
	return nil
}
