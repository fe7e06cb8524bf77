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

// TestCheckIPEmbeddedIPv4 holds the IPv6 forms that carry an IPv4 address
// and the deprecated site-local range. Each vector says what it is and what
// it would reach; none is dialled.
func TestCheckIPEmbeddedIPv4(t *testing.T) {
	def := Options{}
	private := Options{AllowPrivate: true}
	dev := Options{AllowLoopback: true}
	deny := Options{DenyCIDRs: []string{"93.184.216.0/24"}}
	tests := []struct {
		ip      string
		opts    Options
		allowed bool
		why     string
	}{
		// NAT64, well-known prefix 64:ff9b::/96 (RFC 6052): the last 32 bits.
		{"64:ff9b::a9fe:a9fe", def, false, "NAT64 of 169.254.169.254, the metadata address"},
		{"64:ff9b::169.254.169.254", private, false, "the same, dotted; metadata stays refused with private allowed"},
		{"64:ff9b::a00:1", def, false, "NAT64 of 10.0.0.1"},
		{"64:ff9b::a00:1", private, true, "NAT64 of 10.0.0.1 with private allowed"},
		{"64:ff9b::7f00:1", def, false, "NAT64 of 127.0.0.1"},
		{"64:ff9b::7f00:1", dev, false, "NAT64 of 127.0.0.1 is the translator's loopback, not this host's, even in dev"},
		{"64:ff9b::c0a8:101", def, false, "NAT64 of 192.168.1.1"},
		{"64:ff9b::5db8:d822", def, true, "NAT64 of 93.184.216.34, public"},
		{"64:ff9b::5db8:d822", deny, false, "NAT64 of a deny-listed IPv4 address"},
		// NAT64, local-use prefix 64:ff9b:1::/48 (RFC 8215), read in every
		// RFC 6052 layout it is well-formed in.
		{"64:ff9b:1::a9fe:a9fe", def, false, "local-use NAT64 /96 of the metadata address"},
		{"64:ff9b:1::a00:1", private, true, "local-use NAT64 /96 of 10.0.0.1 with private allowed"},
		{"64:ff9b:1::a00:1", def, false, "local-use NAT64 /96 of 10.0.0.1"},
		{"64:ff9b:1:a9fe:a9:fe00::", private, false, "local-use NAT64 /48 of the metadata address"},
		{"64:ff9b:1:a00:0:100::", def, false, "local-use NAT64 /48 of 10.0.0.1"},
		{"64:ff9b:1:0:a:0:100:0", def, false, "local-use NAT64 /64 of 10.0.0.1"},
		{"64:ff9b:1::5db8:d822", def, true, "local-use NAT64 /96 of 93.184.216.34"},
		{"64:ff9b:1:5db8:d8:2200::", def, true, "local-use NAT64 /48 of 93.184.216.34 (its /56 and /64 readings are public too)"},
		{"64:ff9b:1:0:5d:b8d8:2200:0", def, true, "local-use NAT64 /64 of 93.184.216.34"},
		// 6to4 2002::/16 (RFC 3056): bits 16-47.
		{"2002:a9fe:a9fe::1", private, false, "6to4 of the metadata address"},
		{"2002:7f00:1::1", dev, false, "6to4 of 127.0.0.1, the relay's loopback"},
		{"2002:a00:1::1", def, false, "6to4 of 10.0.0.1"},
		{"2002:c0a8:101::1", def, false, "6to4 of 192.168.1.1"},
		{"2002:5db8:d822::1", def, true, "6to4 of 93.184.216.34"},
		// Teredo 2001::/32 (RFC 4380): server in bits 32-63, client in the
		// last 32 bits with every bit flipped.
		{"2001:0:4136:e378::5601:5601", private, false, "Teredo, client 169.254.169.254"},
		{"2001:0:4136:e378::f5ff:fffe", def, false, "Teredo, client 10.0.0.1"},
		{"2001:0:4136:e378::80ff:fffe", dev, false, "Teredo, client 127.0.0.1"},
		{"2001:0:a00:1::a247:27dd", def, false, "Teredo, server 10.0.0.1"},
		{"2001:0:4136:e378::a247:27dd", def, true, "Teredo, server 65.54.227.120, client 93.184.216.34"},
		// IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated).
		{"::a9fe:a9fe", private, false, "IPv4-compatible metadata address"},
		{"::10.0.0.1", def, false, "IPv4-compatible 10.0.0.1"},
		{"::127.0.0.1", dev, false, "IPv4-compatible 127.0.0.1 is not ::1"},
		{"::93.184.216.34", def, true, "IPv4-compatible public address"},
		{"::1", dev, true, "::1 is IPv6 loopback, not IPv4-compatible 0.0.0.1"},
		// IPv4-translated ::ffff:0:a.b.c.d (RFC 2765, SIIT).
		{"::ffff:0:a9fe:a9fe", private, false, "IPv4-translated metadata address"},
		{"::ffff:0:10.0.0.1", def, false, "IPv4-translated 10.0.0.1"},
		{"::ffff:0:93.184.216.34", def, true, "IPv4-translated public address"},
		// IPv4-mapped ::ffff:a.b.c.d is the IPv4 address itself.
		{"::ffff:169.254.169.254", private, false, "IPv4-mapped metadata address"},
		{"::ffff:10.0.0.1", def, false, "IPv4-mapped 10.0.0.1"},
		{"::ffff:127.0.0.1", dev, true, "IPv4-mapped 127.0.0.1 is this host's loopback"},
		// Site-local fec0::/10 (RFC 3879, deprecated): private.
		{"fec0::1", def, false, "site-local"},
		{"feff:ffff::1", def, false, "top of site-local"},
		{"fec0::1", private, true, "site-local with private allowed"},
		{"fe80::1", def, false, "link-local, just below site-local"},
		{"ff00::1", def, false, "multicast, just above site-local"},
	}
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			err := mustGuard(t, tc.opts).CheckIP(netip.MustParseAddr(tc.ip))
			if tc.allowed != (err == nil) {
				t.Fatalf("%s (%s) with %+v: %v, want allowed=%v", tc.ip, tc.why, tc.opts, err, tc.allowed)
			}
			if err != nil && !errors.Is(err, ErrBlocked) {
				t.Fatalf("refusal does not wrap ErrBlocked: %v", err)
			}
		})
	}
}

// TestEveryFormDecidesAsItsIPv4Address writes IPv4 addresses in each IPv6
// form that carries one and expects the IPv4 address's own decision
// (loopback aside: behind a translator it is never this host's). The
// local-use NAT64 layouts shorter than /96 are ambiguous (their other
// readings may be refused where the address is not), so for them only the
// safe half holds: what the IPv4 address is refused, the form is too.
func TestEveryFormDecidesAsItsIPv4Address(t *testing.T) {
	forms := []struct {
		name      string
		ambiguous bool
		write     func(a [4]byte) [16]byte
	}{
		{"NAT64", false, func(a [4]byte) [16]byte {
			return [16]byte{0, 0x64, 0xff, 0x9b, 12: a[0], 13: a[1], 14: a[2], 15: a[3]}
		}},
		{"local NAT64 /96", false, func(a [4]byte) [16]byte {
			return [16]byte{0, 0x64, 0xff, 0x9b, 0, 1, 12: a[0], 13: a[1], 14: a[2], 15: a[3]}
		}},
		{"local NAT64 /64", true, func(a [4]byte) [16]byte {
			return [16]byte{0, 0x64, 0xff, 0x9b, 0, 1, 9: a[0], 10: a[1], 11: a[2], 12: a[3]}
		}},
		{"local NAT64 /56", true, func(a [4]byte) [16]byte {
			return [16]byte{0, 0x64, 0xff, 0x9b, 0, 1, 7: a[0], 9: a[1], 10: a[2], 11: a[3]}
		}},
		{"local NAT64 /48", true, func(a [4]byte) [16]byte {
			return [16]byte{0, 0x64, 0xff, 0x9b, 0, 1, a[0], a[1], 9: a[2], 10: a[3]}
		}},
		{"6to4", false, func(a [4]byte) [16]byte { return [16]byte{0x20, 0x02, a[0], a[1], a[2], a[3], 15: 1} }},
		{"Teredo client", false, func(a [4]byte) [16]byte {
			// Server 65.54.227.120, a public address.
			return [16]byte{0x20, 0x01, 0, 0, 65, 54, 227, 120, 12: ^a[0], 13: ^a[1], 14: ^a[2], 15: ^a[3]}
		}},
		{"Teredo server", false, func(a [4]byte) [16]byte {
			// Client 93.184.216.34, a public address.
			return [16]byte{0x20, 0x01, 0, 0, a[0], a[1], a[2], a[3], 12: ^byte(93), 13: ^byte(184), 14: ^byte(216), 15: ^byte(34)}
		}},
		{"IPv4-compatible", false, func(a [4]byte) [16]byte { return [16]byte{12: a[0], 13: a[1], 14: a[2], 15: a[3]} }},
		{"IPv4-translated", false, func(a [4]byte) [16]byte {
			return [16]byte{8: 0xff, 9: 0xff, 12: a[0], 13: a[1], 14: a[2], 15: a[3]}
		}},
	}
	addrs := []string{
		"169.254.169.254", "169.254.170.2", "100.100.100.200", "10.0.0.1", "172.16.5.4", "192.168.1.1",
		"100.64.0.1", "169.254.1.1", "127.0.0.1", "0.0.0.2", "224.0.0.1", "255.255.255.255",
		"93.184.216.34", "8.8.8.8", "1.10.2.3",
	}
	for _, opts := range []Options{{}, {AllowPrivate: true}, {AllowLoopback: true}} {
		g := mustGuard(t, opts)
		for _, s := range addrs {
			v4 := netip.MustParseAddr(s)
			want := g.CheckIP(v4) == nil && !v4.IsLoopback()
			for _, f := range forms {
				ip := netip.AddrFrom16(f.write(v4.As4()))
				got := g.CheckIP(ip) == nil
				if got != want && (!f.ambiguous || got) {
					t.Errorf("%s as %s (%s) with %+v: allowed=%v, want %v", s, f.name, ip, opts, got, want)
				}
			}
		}
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
		{"tcp6", "[64:ff9b::a9fe:a9fe]:80", false},
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
