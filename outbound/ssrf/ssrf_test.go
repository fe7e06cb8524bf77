package ssrf

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func mustGuard(t *testing.T, o Options) *Guard {
	t.Helper()
	g, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// Decisions only: nothing here opens a connection, so no private, link-local
// or metadata address is ever contacted by the test run.
func TestCheckIP(t *testing.T) {
	def := Options{}
	private := Options{AllowPrivate: true}
	loop := Options{AllowLoopback: true}
	deny := Options{AllowPrivate: true, AllowLoopback: true, DenyCIDRs: []string{"10.1.0.0/16", "93.184.216.0/24"}}
	tests := []struct {
		ip      string
		opts    Options
		allowed bool
	}{
		{"127.0.0.1", def, false},
		{"127.1.2.3", def, false},
		{"::1", def, false},
		{"::ffff:127.0.0.1", def, false},
		{"10.0.0.1", def, false},
		{"172.16.0.1", def, false},
		{"172.31.255.255", def, false},
		{"192.168.1.1", def, false},
		{"fc00::1", def, false},
		{"fd12:3456::1", def, false},
		{"169.254.169.254", def, false},
		{"169.254.1.1", def, false},
		{"fe80::1", def, false},
		{"fe80::1%eth0", def, false},
		{"100.64.0.1", def, false},
		{"100.127.255.255", def, false},
		{"0.0.0.0", def, false},
		{"0.1.2.3", def, false},
		{"::", def, false},
		{"224.0.0.1", def, false},
		{"ff02::1", def, false},
		{"255.255.255.255", def, false},
		{"93.184.216.34", def, true},
		{"2606:2800:220:1:248:1893:25c8:1946", def, true},
		{"172.32.0.1", def, true},
		{"100.128.0.1", def, true},

		{"10.0.0.1", private, true},
		{"192.168.1.1", private, true},
		{"fc00::1", private, true},
		{"100.64.0.1", private, true},
		{"169.254.1.1", private, true},
		{"fe80::1", private, true},
		{"127.0.0.1", private, false},
		{"169.254.169.254", private, false},
		{"fd00:ec2::254", private, false},
		{"169.254.170.2", private, false},

		{"127.0.0.1", loop, true},
		{"::1", loop, true},
		{"10.0.0.1", loop, false},
		{"169.254.169.254", loop, false},
		{"0.0.0.0", loop, false},

		{"10.1.2.3", deny, false},
		{"10.2.0.1", deny, true},
		{"93.184.216.34", deny, false},
		{"127.0.0.1", deny, true},
	}
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			g := mustGuard(t, tc.opts)
			err := g.CheckIP(netip.MustParseAddr(tc.ip))
			if tc.allowed != (err == nil) {
				t.Fatalf("CheckIP(%s) with %+v = %v, want allowed=%v", tc.ip, tc.opts, err, tc.allowed)
			}
			if err != nil && !errors.Is(err, ErrBlocked) {
				t.Fatalf("refusal does not wrap ErrBlocked: %v", err)
			}
		})
	}
	if err := mustGuard(t, def).CheckIP(netip.Addr{}); err == nil {
		t.Error("zero Addr allowed")
	}
}

// TestControl calls the dial hook with address strings, as the dialer would
// after resolving, without dialing.
func TestControl(t *testing.T) {
	g := mustGuard(t, Options{})
	tests := []struct {
		network, address string
		allowed          bool
	}{
		{"tcp4", "127.0.0.1:80", false},
		{"tcp6", "[::1]:443", false},
		{"tcp4", "10.0.0.1:8080", false},
		{"tcp4", "169.254.169.254:80", false},
		{"tcp6", "[fe80::1%eth0]:80", false},
		{"tcp6", "[::ffff:169.254.169.254]:80", false},
		{"tcp4", "93.184.216.34:443", true},
		{"tcp", "93.184.216.34:443", true},
		{"udp4", "93.184.216.34:443", false},
		{"tcp4", "not-an-address", false},
		{"tcp4", "example.com:80", false},
	}
	for _, tc := range tests {
		t.Run(tc.network+" "+tc.address, func(t *testing.T) {
			err := g.Control(context.Background(), tc.network, tc.address, nil)
			if tc.allowed != (err == nil) {
				t.Fatalf("Control = %v, want allowed=%v", err, tc.allowed)
			}
		})
	}
}

func TestDialerKeepsBaseControl(t *testing.T) {
	g := mustGuard(t, Options{})
	called := 0
	base := &net.Dialer{Timeout: time.Second, Control: func(string, string, syscall.RawConn) error { called++; return nil }}
	d := g.Dialer(base)
	if d.Timeout != time.Second {
		t.Fatalf("base settings lost: %v", d.Timeout)
	}
	if err := d.ControlContext(context.Background(), "tcp4", "10.0.0.1:80", nil); err == nil || called != 0 {
		t.Fatalf("refused address reached base control: err=%v called=%d", err, called)
	}
	if err := d.ControlContext(context.Background(), "tcp4", "93.184.216.34:80", nil); err != nil || called != 1 {
		t.Fatalf("allowed address: err=%v called=%d", err, called)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		url     string
		allowed bool
	}{
		{"https host", Options{}, "https://hooks.example.com/x", true},
		{"http host", Options{}, "http://hooks.example.com:8080/x", true},
		{"ftp", Options{}, "ftp://hooks.example.com/x", false},
		{"file", Options{}, "file:///etc/passwd", false},
		{"no host", Options{}, "https:///path", false},
		{"relative", Options{}, "/just/a/path", false},
		{"garbage", Options{}, "http://[::1", false},
		{"literal loopback", Options{}, "http://127.0.0.1:8080/", false},
		{"literal v6 loopback", Options{}, "http://[::1]:8080/", false},
		{"literal metadata", Options{}, "http://169.254.169.254/latest/meta-data/", false},
		{"literal loopback allowed in dev", Options{AllowLoopback: true}, "http://127.0.0.1:8080/", true},
		// A name is decided at dial time on what it resolves to.
		{"name left to dial time", Options{}, "http://localhost:8080/", true},
		{"allow-list match", Options{AllowedURLRegexes: []string{`https://hooks\.slack\.com/.*`}}, "https://hooks.slack.com/services/T0", true},
		{"allow-list miss", Options{AllowedURLRegexes: []string{`https://hooks\.slack\.com/.*`}}, "https://evil.test/x", false},
		{"allow-list is anchored", Options{AllowedURLRegexes: []string{`https://hooks\.slack\.com/.*`}}, "https://evil.test/?u=https://hooks.slack.com/x", false},
		{"second regex matches", Options{AllowedURLRegexes: []string{`https://a\.test/.*`, `https://b\.test/.*`}}, "https://b.test/y", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mustGuard(t, tc.opts).CheckURL(tc.url)
			if tc.allowed != (err == nil) {
				t.Fatalf("CheckURL(%q) = %v, want allowed=%v", tc.url, err, tc.allowed)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{DenyCIDRs: []string{"10.0.0.0/33"}}); err == nil {
		t.Error("bad CIDR accepted")
	}
	if _, err := New(Options{AllowedURLRegexes: []string{"("}}); err == nil {
		t.Error("bad regex accepted")
	}
}

// TestGuardedClientLoopbackName goes through a real http.Client: the name
// "localhost" passes CheckURL but resolves to loopback, and the dial-time
// check must refuse it. The only server contacted listens on 127.0.0.1.
func TestGuardedClientLoopbackName(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Fatalf("test server not on 127.0.0.1: %s", u.Host)
	}
	target := "http://localhost:" + u.Port() + "/hook"

	tests := []struct {
		name    string
		opts    Options
		allowed bool
	}{
		{"refused by default", Options{}, false},
		{"refused with only private allowed", Options{AllowPrivate: true}, false},
		{"allowed in dev", Options{AllowLoopback: true}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := mustGuard(t, tc.opts)
			if err := g.CheckURL(target); err != nil {
				t.Fatalf("CheckURL: %v", err)
			}
			tr := g.Transport()
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			before := hits.Load()
			resp, err := c.Post(target, "application/json", strings.NewReader(`{}`))
			if !tc.allowed {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("request reached the loopback server: %s", resp.Status)
				}
				if !errors.Is(err, ErrBlocked) {
					t.Fatalf("error does not wrap ErrBlocked: %v", err)
				}
				if hits.Load() != before {
					t.Fatal("server was hit")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent || hits.Load() != before+1 {
				t.Fatalf("status %s, hits %d", resp.Status, hits.Load()-before)
			}
		})
	}
}
