package ceiling

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// clientEnv carries the client's job, as JSON, to the process startClient
// starts; its presence is what makes that process the client.
const clientEnv = "HOOKSTREAM_BENCH_CEILING_CLIENT"

// job is the client process's work.
type job struct {
	Config Config `json:"config"`
	URL    string `json:"url"`
}

// RunClientIfAsked makes this process the ceiling's client when Measure
// started it as one: it posts, prints its Result as JSON on stdout and
// exits. Measure starts its own executable again for the client, so every
// program that measures a ceiling, and the package's tests, call this first.
func RunClientIfAsked() {
	spec, ok := os.LookupEnv(clientEnv)
	if !ok {
		return
	}
	if err := client(spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func client(spec string) error {
	var j job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		return fmt.Errorf("ceiling client: job %q: %w", spec, err)
	}
	res, err := run(context.Background(), j.Config, j.URL)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// startClient runs the client in a new process of this executable and
// returns what it measured.
func startClient(ctx context.Context, cfg Config, url string) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return Result{}, fmt.Errorf("ceiling: client: %w", err)
	}
	spec, err := json.Marshal(job{Config: cfg, URL: url})
	if err != nil {
		return Result{}, fmt.Errorf("ceiling: client: %w", err)
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), clientEnv+"="+string(spec))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// Killed with this process if it dies, so no client outlives a run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("ceiling: client: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return Result{}, fmt.Errorf("ceiling: client's answer %q: %w", out.String(), err)
	}
	return res, nil
}

// processCPU is the user and system CPU this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	// It fails only for a bad pointer or who-argument, neither possible here.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
