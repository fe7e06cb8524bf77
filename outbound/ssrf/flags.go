package ssrf

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hookstream/hookstream/platform/config"
)

// Flags are the guard's command-line flags, shared by every component that
// sends to webhook URLs (the deliverer, and the control API's test and
// validate), so both refuse the same destinations.
type Flags struct {
	// AllowPrivateEndpoints admits private and link-local addresses (never
	// cloud metadata ones).
	AllowPrivateEndpoints bool
	// AllowLoopbackEndpoints admits 127.0.0.0/8 and ::1; `hookstream dev`
	// always sets it (it has no flag there), and the tests; production
	// should not.
	AllowLoopbackEndpoints bool
	// AllowedURLs are regexes a webhook URL must match (Trifacta's
	// allowedUrlRegexes); with AllowedURLsFile's empty, any URL the address
	// checks pass is allowed. One regex per --allowed-urls, never split at a
	// comma, which a regex may hold ({1,2}).
	AllowedURLs config.Repeated
	// AllowedURLsFile adds the regexes of a file, one a line.
	AllowedURLsFile URLRegexFile
	// DenyCIDRs are refused whatever else allows them: CIDRs or bare
	// addresses, comma or semicolon separated.
	DenyCIDRs config.List
}

// Register adds the guard's flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.BoolVar(&f.AllowLoopbackEndpoints, "allow-loopback-endpoints", false, "allow webhooks on loopback addresses (for local development)")
	f.RegisterButLoopback(fs)
}

// RegisterButLoopback adds the guard's flags but --allow-loopback-endpoints,
// for `hookstream dev`, which always allows loopback.
func (f *Flags) RegisterButLoopback(fs *flag.FlagSet) {
	fs.BoolVar(&f.AllowPrivateEndpoints, "allow-private-endpoints", false, "allow webhooks on private and link-local addresses (metadata addresses stay refused)")
	fs.Var(&f.AllowedURLs, "allowed-urls", "a regex every webhook URL must match as a whole, or one of them: repeat the flag for more (commas stay in the regex; empty: any URL)")
	fs.Var(&f.AllowedURLsFile, "allowed-urls-file", "file of more --allowed-urls regexes, one a line; blank lines and lines starting with # are skipped")
	fs.Var(&f.DenyCIDRs, "deny-cidrs", "address ranges never sent to: CIDRs or bare addresses, separated by commas or semicolons")
}

// Options turns the flags into guard options.
func (f *Flags) Options() Options {
	return Options{
		AllowPrivate: f.AllowPrivateEndpoints, AllowLoopback: f.AllowLoopbackEndpoints,
		DenyCIDRs:         f.DenyCIDRs,
		AllowedURLRegexes: slices.Concat(f.AllowedURLs, f.AllowedURLsFile.Regexes),
	}
}

// URLRegexFile is --allowed-urls-file: read when the flag is set, so a bad
// file stops the process at start, naming its line.
type URLRegexFile struct {
	Path    string
	Regexes []string
}

func (u *URLRegexFile) String() string { return u.Path }

// Set reads the file at path.
func (u *URLRegexFile) Set(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	regexes, err := ReadURLRegexes(f, path)
	if err != nil {
		return err
	}
	u.Path, u.Regexes = path, regexes
	return nil
}

// ReadURLRegexes reads allow-list regexes, one a line; blank lines and lines
// whose first non-blank character is # are skipped. A regex that does not
// compile is reported as name:line. A file without any regex is an error:
// an empty allow-list allows every URL, the opposite of what a file of
// allowed URLs asks for.
func ReadURLRegexes(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := compileURLRegex(line); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no regex in it (an empty allow-list would allow every URL)", name)
	}
	return out, nil
}
