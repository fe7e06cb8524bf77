// Package ssrf is the deliverer's outbound guard (DESIGN §7): webhook URLs
// come from users, so without it anyone who may create a webhook could make
// hookstream POST to its own loopback services, the private network or the
// cloud metadata endpoint.
//
// The address check runs in net.Dialer.ControlContext, on the address the
// socket is about to connect to, after DNS resolution. Checking the host name
// or a separate lookup before the request would leave a DNS-rebinding hole:
// the name can resolve to a public address for the check and to 127.0.0.1 for
// the connection.
//
// An IPv6 address can carry an IPv4 one (NAT64, 6to4, Teredo, the
// IPv4-compatible and -translated forms), which a translator or relay then
// delivers to; such an address is judged by the IPv4 address too, so
// 64:ff9b::a9fe:a9fe is the metadata address it reaches.
package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// ErrBlocked is wrapped by every refusal, so a sender can tell a guarded
// endpoint from a network failure with errors.Is.
var ErrBlocked = errors.New("ssrf: destination not allowed")

// BlockedError says which address or URL was refused and why.
type BlockedError struct {
	Target string
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("ssrf: %s refused: %s", e.Target, e.Reason)
}

func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Options configure a Guard; the zero value is the safe production default.
type Options struct {
	// AllowPrivate (--allow-private-endpoints) admits RFC 1918, ULA, CGNAT
	// and link-local addresses, for deployments whose receivers live on the
	// internal network. Cloud metadata addresses stay refused even then.
	AllowPrivate bool
	// AllowLoopback admits 127.0.0.0/8 and ::1, for `hookstream dev` and
	// tests whose receivers run on the same host.
	AllowLoopback bool
	// DenyCIDRs are refused whatever the other options say (Trifacta's
	// deny-list), e.g. a public range that belongs to the operator.
	DenyCIDRs []string
	// AllowedURLRegexes (Trifacta's allowedUrlRegexes): when non-empty, a
	// webhook URL must match one of them, as a whole.
	AllowedURLRegexes []string
}

// Guard decides whether the deliverer may connect somewhere.
type Guard struct {
	opts  Options
	deny  []netip.Prefix
	allow []*regexp.Regexp
}

// New checks and compiles opts.
func New(opts Options) (*Guard, error) {
	g := &Guard{opts: opts}
	for _, c := range opts.DenyCIDRs {
		p, err := parseDeny(c)
		if err != nil {
			return nil, fmt.Errorf("ssrf: deny CIDR %q: %w", c, err)
		}
		g.deny = append(g.deny, p)
	}
	for _, r := range opts.AllowedURLRegexes {
		re, err := compileURLRegex(r)
		if err != nil {
			return nil, err
		}
		g.allow = append(g.allow, re)
	}
	return g, nil
}

// parseDeny reads a CIDR or a bare address, which is the one address
// (Trifacta's deny-list holds bare addresses: 10.0.0.1 is 10.0.0.1/32,
// fd00::1 is fd00::1/128). An IPv4-mapped IPv6 form is the IPv4 address, as
// CheckIP judges it.
func parseDeny(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		a = a.Unmap()
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("an address with a zone cannot be deny-listed")
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}

// compileURLRegex compiles an allow-list regex, anchored: an unanchored
// "https://hooks\.example\.com" would also admit
// https://evil.test/?https://hooks.example.com.
func compileURLRegex(r string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(`^(?:` + r + `)$`)
	if err != nil {
		return nil, fmt.Errorf("ssrf: allowed URL regex %q: %w", r, err)
	}
	return re, nil
}

var (
	cgnat = netip.MustParsePrefix("100.64.0.0/10")
	// Site-local (fec0::/10) was IPv6's first private range; RFC 3879
	// deprecated it, but a network may still route it inside.
	siteLocal = netip.MustParsePrefix("fec0::/10")
	// "This network" (0/8) and the reserved 240/4 (with broadcast) are not
	// unicast destinations; Linux treats 0.0.0.0 as the local host.
	thisNet  = netip.MustParsePrefix("0.0.0.0/8")
	reserved = netip.MustParsePrefix("240.0.0.0/4")
	// Metadata services hand out the host's cloud credentials, so they are
	// never allowed, not even with AllowPrivate. 169.254.169.254 (AWS, GCP,
	// Azure, …), 169.254.170.2 (ECS task credentials), fd00:ec2::254 (AWS
	// over IPv6), 100.100.100.200 (Alibaba).
	metadata = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"),
		netip.MustParseAddr("169.254.170.2"),
		netip.MustParseAddr("fd00:ec2::254"),
		netip.MustParseAddr("100.100.100.200"),
	}
)

// CheckIP decides on one resolved address. An IPv6 address that carries an
// IPv4 address (see carried) is refused when the IPv4 address would be:
// a NAT64 translator, a 6to4 or Teredo relay delivers to it.
func (g *Guard) CheckIP(ip netip.Addr) error {
	if !ip.IsValid() {
		return &BlockedError{Target: "invalid address", Reason: "not an IP address"}
	}
	// ::ffff:127.0.0.1 reaches 127.0.0.1; judge it as the IPv4 address. The
	// zone is dropped because fe80::1%eth0 is as link-local as fe80::1.
	ip = ip.Unmap().WithZone("")
	if reason := g.refusal(ip, g.opts.AllowLoopback); reason != "" {
		return &BlockedError{Target: ip.String(), Reason: reason}
	}
	for _, c := range carried(ip) {
		// Loopback behind a translator or relay is its own, never this
		// host's receiver.
		if reason := g.refusal(c.addr, false); reason != "" {
			return &BlockedError{Target: ip.String(), Reason: fmt.Sprintf("carries %s (%s): %s", c.addr, c.form, reason)}
		}
	}
	return nil
}

// refusal is why ip is refused, or "" when it is allowed.
func (g *Guard) refusal(ip netip.Addr, allowLoopback bool) string {
	for _, p := range g.deny {
		if p.Contains(ip) {
			return "in deny-listed " + p.String()
		}
	}
	for _, m := range metadata {
		if ip == m {
			return "cloud metadata address"
		}
	}
	switch {
	case ip.IsUnspecified() || thisNet.Contains(ip):
		return "unspecified address"
	case ip.IsMulticast() || reserved.Contains(ip):
		return "multicast, broadcast or reserved address"
	case ip.IsLoopback():
		if !allowLoopback {
			return "loopback address"
		}
	case ip.IsPrivate() || cgnat.Contains(ip):
		if !g.opts.AllowPrivate {
			return "private address"
		}
	case siteLocal.Contains(ip):
		if !g.opts.AllowPrivate {
			return "site-local address"
		}
	case ip.IsLinkLocalUnicast():
		if !g.opts.AllowPrivate {
			return "link-local address"
		}
	}
	return ""
}

// IPv6 forms that carry an IPv4 address.
var (
	nat64          = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052 well-known prefix
	nat64Local     = netip.MustParsePrefix("64:ff9b:1::/48")  // RFC 8215 local-use prefix
	sixToFour      = netip.MustParsePrefix("2002::/16")       // RFC 3056
	teredo         = netip.MustParsePrefix("2001::/32")       // RFC 4380
	ipv4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 (SIIT)
	ipv4Compatible = netip.MustParsePrefix("::/96")           // RFC 4291 §2.5.5.1, deprecated
)

// embedding is an IPv4 address an IPv6 address carries, and the form.
type embedding struct {
	addr netip.Addr
	form string
}

// carried returns the IPv4 addresses ip carries. A network-specific NAT64
// prefix (one the operator chose) cannot be recognised here; put it in
// DenyCIDRs, or rely on the translator's own filter.
func carried(ip netip.Addr) []embedding {
	if !ip.Is6() {
		return nil
	}
	b := ip.As16()
	v4 := func(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }
	last := v4(b[12], b[13], b[14], b[15])
	switch {
	case nat64.Contains(ip):
		return []embedding{{last, "NAT64"}}
	case nat64Local.Contains(ip):
		return nat64LocalReadings(b)
	case sixToFour.Contains(ip):
		return []embedding{{v4(b[2], b[3], b[4], b[5]), "6to4"}}
	case teredo.Contains(ip):
		// The client's address, which the relay delivers to, is stored
		// with every bit flipped; the server's in clear.
		return []embedding{
			{v4(^b[12], ^b[13], ^b[14], ^b[15]), "Teredo client"},
			{v4(b[4], b[5], b[6], b[7]), "Teredo server"},
		}
	case ipv4Translated.Contains(ip):
		return []embedding{{last, "IPv4-translated"}}
	case ipv4Compatible.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return []embedding{{last, "IPv4-compatible"}}
	}
	return nil
}

// nat64LocalReadings reads an address of the local-use NAT64 prefix. Its
// operator picks the prefix length (RFC 6052 allows /48, /56, /64 or /96
// inside the /48), and the address does not say which, so it is read in
// every layout it is well-formed in: a shorter prefix leaves bits 64-71
// (the u-octet) and the bits after the IPv4 address zero. The /96 layout
// is read when no shorter one is well-formed; when one is, its /96 reading
// is an x.0.0.0 network address, not a destination. Every reading must
// pass, so a doubtful address is refused rather than let through.
func nat64LocalReadings(b [16]byte) []embedding {
	v4 := func(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }
	zero := func(from int) bool {
		for _, x := range b[from:] {
			if x != 0 {
				return false
			}
		}
		return true
	}
	var out []embedding
	if b[8] == 0 {
		if zero(11) {
			out = append(out, embedding{v4(b[6], b[7], b[9], b[10]), "NAT64 /48"})
		}
		if zero(12) {
			out = append(out, embedding{v4(b[7], b[9], b[10], b[11]), "NAT64 /56"})
		}
		if zero(13) {
			out = append(out, embedding{v4(b[9], b[10], b[11], b[12]), "NAT64 /64"})
		}
	}
	if len(out) == 0 {
		out = append(out, embedding{v4(b[12], b[13], b[14], b[15]), "NAT64 /96"})
	}
	return out
}

// CheckURL decides on a webhook URL before any connection: scheme, host and
// the allow-list. A literal IP host is checked too, so an obviously bad URL
// is refused when the webhook is saved, not only at delivery time; host
// names are left to the dial-time check, which sees what they resolve to.
func (g *Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return &BlockedError{Target: raw, Reason: "not a URL: " + err.Error()}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &BlockedError{Target: raw, Reason: "scheme must be http or https"}
	}
	if u.Hostname() == "" {
		return &BlockedError{Target: raw, Reason: "no host"}
	}
	if len(g.allow) > 0 {
		ok := false
		for _, re := range g.allow {
			if re.MatchString(raw) {
				ok = true
				break
			}
		}
		if !ok {
			return &BlockedError{Target: raw, Reason: "matches no allowed URL regex"}
		}
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		return g.CheckIP(ip)
	}
	return nil
}

// Control has the signature of net.Dialer.ControlContext. It runs for every
// address the dialer tries (each A/AAAA record, Happy Eyeballs included), so
// no resolved address escapes the check.
func (g *Guard) Control(_ context.Context, network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return &BlockedError{Target: address, Reason: "network " + network + " not allowed"}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: an address we cannot read is one we cannot vouch for.
		return &BlockedError{Target: address, Reason: "unreadable address"}
	}
	return g.CheckIP(ap.Addr())
}

// Dialer returns a copy of base (nil: 10 s connect timeout, 30 s
// keep-alive) that runs the guard before every connect, after any control
// function base already had.
func (g *Guard) Dialer(base *net.Dialer) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if base != nil {
		cp := *base
		d = &cp
	}
	prevCtx, prev := d.ControlContext, d.Control
	d.Control = nil // ControlContext wins when both are set; keep one path.
	d.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := g.Control(ctx, network, address, c); err != nil {
			return err
		}
		switch {
		case prevCtx != nil:
			return prevCtx(ctx, network, address, c)
		case prev != nil:
			return prev(network, address, c)
		}
		return nil
	}
	return d
}

// DialContext dials through the guard; it fits http.Transport.DialContext.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return g.Dialer(nil).DialContext(ctx, network, address)
}

// Transport returns a clone of http.DefaultTransport that dials through the
// guard. Proxy is off on purpose: through a proxy the dial-time check would
// see the proxy's address and the proxy would reach the forbidden target.
func (g *Guard) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = g.Dialer(nil).DialContext
	return t
}
