package receiver

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRenderBody(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", "", "(empty body)"},
		{"whitespace", " \n", "(empty body)"},
		{"json object", `{"a":[1,2],"b":"x"}`, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x\"\n}"},
		{"json array (batch)", `[{"a":1}]`, "[\n  {\n    \"a\": 1\n  }\n]"},
		{"escaped control in json stays escaped", `{"a":"\u001b[31m"}`, "{\n  \"a\": \"\\u001b[31m\"\n}"},
		{"not json", "a=1&b=2", "a=1&b=2"},
		{"almost json", `{"a":`, `{"a":`},
		{"terminal escape", "red\x1b[31m\r\nnext\tline", `red\x1b[31m` + "\nnext\tline"},
		{"invalid utf-8", "a\xffb", `a\xffb`},
		{"utf-8 kept", "grüß 🙂", "grüß 🙂"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderBody([]byte(tc.body)); got != tc.want {
				t.Fatalf("renderBody(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

func TestRenderBodyTruncates(t *testing.T) {
	// "é" is two bytes: an odd prefix puts MaxPrinted inside a character.
	body := "x" + strings.Repeat("é", MaxPrinted)
	got := renderBody([]byte(body))
	text, note, ok := strings.Cut(got, "\n… (truncated, body is ")
	if !ok || note != "8193 bytes)" {
		t.Fatalf("no truncation note: %q", got[len(got)-60:])
	}
	if len(text) > MaxPrinted || len(text) < MaxPrinted-1 || !utf8.ValidString(text) {
		t.Fatalf("kept %d bytes (valid UTF-8: %v), want %d on a character boundary", len(text), utf8.ValidString(text), MaxPrinted)
	}

	// JSON is cut after pretty-printing, so what shows is readable.
	got = renderBody([]byte(`{"list":[` + strings.Repeat(`1,`, MaxPrinted) + `1]}`))
	if !strings.HasPrefix(got, "{\n  \"list\": [\n    1,\n") || !strings.Contains(got, "… (truncated") {
		t.Fatalf("pretty JSON not cut: %q…", got[:40])
	}
}

func TestFormatEscapesRequestFields(t *testing.T) {
	got := string(format(time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC), "POST", "/a", "id\x1b]0;owned\x07", "verified standard", []byte("x")))
	want := "2025-01-02T03:04:05.006Z POST /a webhook-id=id\\x1b]0;owned\\a verified standard\n  x\n"
	if got != want {
		t.Fatalf("format = %q, want %q", got, want)
	}
}
