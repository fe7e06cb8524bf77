package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/hookstream/hookstream/platform/config"
)

// parseFlags parses a command's flags and environment twins, then validates
// them; every error is a usage error naming the flag.
func parseFlags(name string, args []string, stderr io.Writer, getenv func(string) string, register func(*flag.FlagSet), validate func() error) error {
	fs := flag.NewFlagSet("hookstream "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	register(fs)
	if err := config.Parse(fs, args, getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := validate(); err != nil {
		fmt.Fprintf(stderr, "hookstream %s: %v\n", name, err)
		return errUsage
	}
	return nil
}
