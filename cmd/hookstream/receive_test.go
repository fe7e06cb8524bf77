package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookstream/hookstream/outbound/signature"
)

// chanWriter hands every Write to the test as it happens, so the test can
// wait for output instead of polling a buffer.
type chanWriter chan string

func (c chanWriter) Write(p []byte) (int, error) {
	c <- string(p)
	return len(p), nil
}

func next(t *testing.T, c chanWriter) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no output within 10s")
		return ""
	}
}

func TestReceiveVerifiesAndStops(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := make(chanWriter, 16)
	var stderr bytes.Buffer
	env := map[string]string{"HOOKSTREAM_SECRET": "whsec_b3RoZXI=," + secret} // the env twin, two secrets
	done := make(chan error, 1)
	go func() {
		done <- runReceive(ctx, []string{"--addr", "127.0.0.1:0"}, stdout, &stderr, func(k string) string { return env[k] })
	}()

	banner := next(t, stdout)
	first, rest, _ := strings.Cut(banner, "\n")
	url, ok := strings.CutPrefix(first, "receiving on http://127.0.0.1:")
	if !ok || strings.HasSuffix(first, ":0") {
		t.Fatalf("first line %q does not give the listening address", first)
	}
	url = "http://127.0.0.1:" + url
	if !strings.Contains(rest, "verifying standard signatures with 2 secret(s)") {
		t.Errorf("banner %q does not say what it checks", banner)
	}

	client := &http.Client{}
	defer client.CloseIdleConnections()
	post := func(h http.Header, body string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/hook", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"eventId":"evt_1"}`
	h, err := signature.Headers(signature.Standard, []string{secret}, "msg_1", time.Now(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if code := post(h, body); code != http.StatusNoContent {
		t.Fatalf("signed delivery: status %d", code)
	}
	if got := next(t, stdout); !strings.Contains(got, " POST /hook webhook-id=msg_1 verified standard\n") || !strings.Contains(got, `"eventId": "evt_1"`) {
		t.Fatalf("printed %q", got)
	}
	if code := post(h, `{"eventId":"evt_2"}`); code != http.StatusUnauthorized {
		t.Fatalf("tampered delivery: status %d", code)
	}
	if got := next(t, stdout); !strings.Contains(got, "REJECTED: no matching signature") {
		t.Fatalf("printed %q", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runReceive after cancel = %v (stderr %q)", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runReceive did not return after its context ended")
	}
}

func TestReceiveBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scheme", "md5"}, "--scheme"},
		{[]string{"--tolerance", "0s"}, "--tolerance"},
		{[]string{"--tolerance", "soon"}, "-tolerance"},
		{[]string{"--addr", "nocolon"}, "--addr"},
		{[]string{"--log-level", "loud"}, "--log-level"},
	} {
		var stdout, stderr bytes.Buffer
		err := runReceive(context.Background(), tc.args, &stdout, &stderr, func(string) string { return "" })
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: got %v, want a usage error", tc.args, err)
		}
		if got := stderr.String() + err.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("%v: output %q does not name %q", tc.args, got, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: printed %q before failing", tc.args, stdout.String())
		}
	}
}
