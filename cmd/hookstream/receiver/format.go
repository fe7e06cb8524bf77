package receiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxPrinted is how much of a body is printed, after pretty-printing.
const MaxPrinted = 4 << 10

// format renders one delivery: a line with the time, method, path,
// webhook-id ("-" when the scheme sends none) and verdict, then the body
// indented by two spaces. Everything taken from the request is escaped, so
// a body cannot move the cursor or recolour the terminal it is printed on.
func format(at time.Time, method, path, id, verdict string, body []byte) []byte {
	if id == "" {
		id = "-"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s webhook-id=%s %s\n",
		at.Format("2006-01-02T15:04:05.000Z07:00"), escape(method), escape(path), escape(id), verdict)
	text := renderBody(body)
	for line := range strings.Lines(text) {
		b.WriteString("  ")
		b.WriteString(strings.TrimSuffix(line, "\n"))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// renderBody is the body as printed: indented JSON when it is JSON, else the
// text itself, cut at MaxPrinted bytes on a character boundary.
func renderBody(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "(empty body)"
	}
	text := body
	if json.Valid(body) {
		var pretty bytes.Buffer
		if json.Indent(&pretty, body, "", "  ") == nil {
			text = pretty.Bytes()
		}
	}
	if len(text) <= MaxPrinted {
		return escapeBody(string(text))
	}
	cut := MaxPrinted
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return escapeBody(string(text[:cut])) + fmt.Sprintf("\n… (truncated, body is %d bytes)", len(body))
}

// escapeBody escapes what escape does except line ends (CRLF too) and tabs,
// which keep a text body readable.
func escapeBody(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		content, nl := strings.CutSuffix(line, "\n")
		if nl {
			content = strings.TrimSuffix(content, "\r") // CRLF text reads as lines
		}
		b.WriteString(escape(content))
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// escape writes control characters and invalid UTF-8 as Go escapes, and
// leaves printable text, tabs included, as it is.
func escape(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r != '\t' && unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r != '\t' && unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
