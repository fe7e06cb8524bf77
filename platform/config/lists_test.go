package config

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestListTakesCommasAndSemicolons(t *testing.T) {
	for in, want := range map[string][]string{
		"10.0.0.1;fd00::1":              {"10.0.0.1", "fd00::1"},
		"10.0.0.0/8, 192.168.0.0/16":    {"10.0.0.0/8", "192.168.0.0/16"},
		"a:1;b:2,c:3":                   {"a:1", "b:2", "c:3"},
		" ; ,, ":                        nil,
		"169.254.169.254;;127.0.0.1/32": {"169.254.169.254", "127.0.0.1/32"},
	} {
		var l List
		if err := l.Set(in); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l, want) {
			t.Errorf("Set(%q) = %q, want %q", in, l, want)
		}
	}
}

// TestRepeatedKeepsCommas parses a regex with a comma given twice on the
// command line and once as an environment twin of several lines.
func TestRepeatedKeepsCommas(t *testing.T) {
	parse := func(args []string, env map[string]string) Repeated {
		t.Helper()
		var r Repeated
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var(&r, "allowed-urls", "")
		if err := Parse(fs, args, func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		return r
	}
	got := parse([]string{"--allowed-urls", `https://h\.example\.com/a{1,2}`, "--allowed-urls", "https://b.example.com/.*"}, nil)
	if want := (Repeated{`https://h\.example\.com/a{1,2}`, "https://b.example.com/.*"}); !slices.Equal(got, want) {
		t.Errorf("flags: %q, want %q", got, want)
	}
	got = parse(nil, map[string]string{"HOOKSTREAM_ALLOWED_URLS": "https://x/[0-9]{1,3}\n\n  https://y/.*  \n"})
	if want := (Repeated{"https://x/[0-9]{1,3}", "https://y/.*"}); !slices.Equal(got, want) {
		t.Errorf("env twin: %q, want %q", got, want)
	}
	got = parse([]string{"--allowed-urls", "https://one/.*"}, map[string]string{"HOOKSTREAM_ALLOWED_URLS": "https://env/.*"})
	if want := (Repeated{"https://one/.*"}); !slices.Equal(got, want) {
		t.Errorf("flag must win over env: %q", got)
	}
}

func TestWebhooksSettings(t *testing.T) {
	var w Webhooks
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	w.Register(fs)
	if err := Parse(fs, nil, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if w != DefaultWebhooks() {
		t.Errorf("flag defaults %+v, DefaultWebhooks %+v", w, DefaultWebhooks())
	}
	env := map[string]string{"HOOKSTREAM_WEBHOOKS_ENABLED": "false", "HOOKSTREAM_WEBHOOK_TESTS_ENABLED": "false", "HOOKSTREAM_MAX_TIMEOUT": "5s"}
	if err := Parse(fs, nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if w.Enabled || w.TestsEnabled || w.MaxTimeout != 5*time.Second {
		t.Errorf("from env: %+v", w)
	}
	if got := w.CapTimeout(30 * time.Second); got != 5*time.Second {
		t.Errorf("CapTimeout(30s) = %v under a 5s cap", got)
	}
	if got := w.CapTimeout(2 * time.Second); got != 2*time.Second {
		t.Errorf("CapTimeout(2s) = %v under a 5s cap", got)
	}
	if err := w.Validate(); err != nil {
		t.Error(err)
	}
	w.MaxTimeout = 500 * time.Millisecond
	if err := w.Validate(); err == nil || !strings.Contains(err.Error(), "--max-timeout") {
		t.Errorf("500ms cap: %v", err)
	}
}
