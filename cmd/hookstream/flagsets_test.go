package main

import (
	"flag"
	"io"

	"github.com/hookstream/hookstream/cmd/hookstream/devstack"
	"github.com/hookstream/hookstream/control/api"
	"github.com/hookstream/hookstream/deliverer/deliver"
	"github.com/hookstream/hookstream/router/route"
)

// flagFuncs are what a command hands to parseFlags: the function that adds
// its flags and the one that validates them once parsed.
type flagFuncs func() (register func(*flag.FlagSet), validate func() error)

// commandFlags has every command's flags, built by the same Register and
// validate methods the command runs, so that checks of files that start
// hookstream (docker-compose.yml) see the flags the binary really has. A new
// command belongs here too: TestCommandFlagsTableMatchesCommands fails until
// it is.
var commandFlags = map[string]flagFuncs{
	"dev":       func() (func(*flag.FlagSet), func() error) { c := new(devstack.Config); return c.Register, c.Validate },
	"router":    func() (func(*flag.FlagSet), func() error) { c := new(route.Config); return c.Register, c.Validate },
	"deliverer": func() (func(*flag.FlagSet), func() error) { c := new(deliver.Config); return c.Register, c.Validate },
	"api":       func() (func(*flag.FlagSet), func() error) { c := new(api.Config); return c.Register, c.Validate },
	"provision": func() (func(*flag.FlagSet), func() error) { f := new(provisionFlags); return f.register, f.Validate },
	"produce":   func() (func(*flag.FlagSet), func() error) { f := new(produceFlags); return f.register, f.validate },
	"replay":    func() (func(*flag.FlagSet), func() error) { f := new(replayFlags); return f.register, f.validate },
	"receive":   func() (func(*flag.FlagSet), func() error) { f := new(receiveFlags); return f.register, f.validate },
}

// commandFlagSet returns a fresh FlagSet of the named command and the
// validation of what it parses into; ok is false for an unknown command.
func commandFlagSet(name string) (fs *flag.FlagSet, validate func() error, ok bool) {
	funcs, ok := commandFlags[name]
	if !ok {
		return nil, nil, false
	}
	register, validate := funcs()
	fs = flag.NewFlagSet("hookstream "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	register(fs)
	return fs, validate, true
}
