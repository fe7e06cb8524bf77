package ssrf

import (
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookstream/hookstream/platform/config"
)

// parseFlags runs the guard's flags through config.Parse, as every command
// does, and builds the guard.
func parseFlags(t *testing.T, args []string, env map[string]string) (*Guard, error) {
	t.Helper()
	var f Flags
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.Register(fs)
	if err := config.Parse(fs, args, func(k string) string { return env[k] }); err != nil {
		return nil, err
	}
	return New(f.Options())
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "allowed-urls")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDenyListTrifactaStyle: a semicolon-separated list of bare addresses,
// as Trifacta's deny-list is written, means each address alone. Decisions
// only: nothing is dialled.
func TestDenyListTrifactaStyle(t *testing.T) {
	for _, args := range [][]string{
		{"--allow-private-endpoints", "--deny-cidrs", "10.0.0.1;fd00::1;93.184.216.0/24"},
		{"--allow-private-endpoints", "--deny-cidrs", "10.0.0.1, fd00::1,93.184.216.0/24"},
	} {
		g, err := parseFlags(t, args, nil)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for ip, allowed := range map[string]bool{
			"10.0.0.1": false, "10.0.0.2": true, "::ffff:10.0.0.1": false,
			"fd00::1": false, "fd00::2": true, "93.184.216.34": false, "93.184.217.1": true,
		} {
			if err := g.CheckIP(netip.MustParseAddr(ip)); allowed != (err == nil) {
				t.Errorf("%q: CheckIP(%s) = %v, want allowed=%v", args, ip, err, allowed)
			}
		}
	}
}

func TestDenyListRefusesGarbage(t *testing.T) {
	for _, bad := range []string{"10.0.0.256", "fe80::1%eth0", "10.0.0.0/33", "example.com"} {
		if _, err := parseFlags(t, []string{"--deny-cidrs", bad}, nil); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("--deny-cidrs %s: %v", bad, err)
		}
	}
}

// TestAllowedURLsKeepCommas: a regex with {1,2} given as a repeated flag,
// as the environment twin, and in a file, is one regex, and the guard
// applies it.
func TestAllowedURLsKeepCommas(t *testing.T) {
	const re = `https://hooks[0-9]{1,2}\.example\.com/.*`
	file := writeFile(t, "# receivers\n\n"+re+"\n   # staging\nhttps://staging\\.example\\.com/a{1,3}\n")
	cases := map[string]struct {
		args []string
		env  map[string]string
	}{
		"repeated flag": {args: []string{"--allowed-urls", re, "--allowed-urls", `https://staging\.example\.com/a{1,3}`}},
		"env twin":      {env: map[string]string{"HOOKSTREAM_ALLOWED_URLS": re + "\n" + `https://staging\.example\.com/a{1,3}`}},
		"file":          {args: []string{"--allowed-urls-file", file}},
		"file by env":   {env: map[string]string{"HOOKSTREAM_ALLOWED_URLS_FILE": file}},
		"flag and file": {args: []string{"--allowed-urls", re, "--allowed-urls-file", writeFile(t, `https://staging\.example\.com/a{1,3}`)}},
	}
	for name, tc := range cases {
		g, err := parseFlags(t, tc.args, tc.env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for u, allowed := range map[string]bool{
			"https://hooks7.example.com/x":     true,
			"https://hooks42.example.com/x":    true,
			"https://hooks123.example.com/x":   false,
			"https://staging.example.com/aaa":  true,
			"https://staging.example.com/aaaa": false,
			"https://evil.test/":               false,
		} {
			if err := g.CheckURL(u); allowed != (err == nil) {
				t.Errorf("%s: CheckURL(%s) = %v, want allowed=%v", name, u, err, allowed)
			}
		}
	}
}

// TestSingleAllowedURLStillWorks: the one-regex form of before.
func TestSingleAllowedURLStillWorks(t *testing.T) {
	g, err := parseFlags(t, []string{"--allowed-urls", `https://hooks\.example\.com/.*`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.CheckURL("https://hooks.example.com/a") != nil || g.CheckURL("https://other.example.com/a") == nil {
		t.Error("one regex is not applied")
	}
}

func TestAllowedURLsFileErrorsNameTheLine(t *testing.T) {
	for text, want := range map[string]string{
		"# ok\nhttps://a\\.example\\.com/.*\nhttps://b.example.com/(\n": ":3: ",
		"https://[z-a]\n":     ":1: ",
		"# only comments\n\n": ": no regex",
		"":                    ": no regex",
	} {
		path := writeFile(t, text)
		_, err := parseFlags(t, []string{"--allowed-urls-file", path}, nil)
		if err == nil || !strings.Contains(err.Error(), path+want) {
			t.Errorf("file %q: %v, want %q", text, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), "allowed-urls-file") {
			t.Errorf("file %q: %v does not name the flag", text, err)
		}
	}
	if _, err := parseFlags(t, []string{"--allowed-urls-file", filepath.Join(t.TempDir(), "missing")}, nil); err == nil {
		t.Error("a missing file is accepted")
	}
}

func TestAllowedURLsBadRegexFailsAtStart(t *testing.T) {
	if _, err := parseFlags(t, []string{"--allowed-urls", "https://a/("}, nil); err == nil {
		t.Error("bad regex accepted")
	}
}

// FuzzReadURLRegexes: the --allowed-urls-file parser never panics, and what
// it accepts is the file's non-comment lines, each a regex the guard takes.
func FuzzReadURLRegexes(f *testing.F) {
	f.Add("# receivers\nhttps://hooks[0-9]{1,2}\\.example\\.com/.*\n\n")
	f.Add("https://a/(\n")
	f.Add("   #x\n\t\n")
	f.Add("a\r\nb\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		got, err := ReadURLRegexes(strings.NewReader(text), "f")
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatal("accepted a file without a regex")
		}
		for _, re := range got {
			if re == "" || strings.HasPrefix(re, "#") || strings.ContainsAny(re, "\n") {
				t.Fatalf("kept %q", re)
			}
		}
		if _, err := New(Options{AllowedURLRegexes: got}); err != nil {
			t.Fatalf("the guard refuses what the file parser accepted: %v", err)
		}
	})
}
