// Package proc starts the processes a benchmark measures and reads their
// CPU time and peak resident memory from /proc.
package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// Process is one started command.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error

	mu      sync.Mutex
	lastCPU time.Duration
	peakRSS int64
	argv    []string
	logFile io.Writer
}

// Start runs argv with its output appended to log.
func Start(name string, log io.Writer, argv ...string) (*Process, error) {
	p := &Process{Name: name, argv: argv, logFile: log}
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Process) start() error {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Stdout, cmd.Stderr = p.logFile, p.logFile
	// Its own process group, so a terminal's Ctrl-C reaches the bench tool
	// alone and the tool decides how its children stop; and killed with
	// the tool if the tool itself dies, so no run leaves orphans behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// PID is the running process's id.
func (p *Process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Sample reads the process's CPU time and peak RSS; call it before the
// process ends, since /proc forgets a dead process.
func (p *Process) Sample() {
	cpu, rss, err := read(p.PID())
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastCPU = cpu
	if rss > p.peakRSS {
		p.peakRSS = rss
	}
}

// Usage is the CPU time of the current incarnation at the last Sample, and
// the highest peak RSS of every incarnation, in bytes.
func (p *Process) Usage() (cpu time.Duration, peakRSS int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastCPU, p.peakRSS
}

// Kill sends SIGKILL and waits for the exit.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Restart kills the process with SIGKILL and starts it again with the same
// command line.
func (p *Process) Restart() error {
	p.Sample()
	p.Kill()
	return p.start()
}

// Stop sends SIGTERM and waits up to grace for the exit, then kills.
func (p *Process) Stop(grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	select {
	case <-done:
	default:
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(grace):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return fmt.Errorf("%s did not stop within %s of SIGTERM", p.Name, grace)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var exit *exec.ExitError
	if p.err != nil && !errors.As(p.err, &exit) {
		return fmt.Errorf("%s: %w", p.Name, p.err)
	}
	if exit != nil && !exit.Success() {
		return fmt.Errorf("%s exited: %v", p.Name, p.err)
	}
	return nil
}

// Exited reports whether the current incarnation ended, with its error.
func (p *Process) Exited() (bool, error) {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return true, p.err
	default:
		return false, nil
	}
}

// SampleEvery samples every process each interval until ctx ends, so a
// peak between two explicit samples is not missed by an exited process.
func SampleEvery(ctx context.Context, interval time.Duration, ps ...*Process) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, p := range ps {
			p.Sample()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// read returns utime+stime and VmHWM of pid.
func read(pid int) (time.Duration, int64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name in parentheses may hold spaces; fields count from
	// the last ')'.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	cpu := time.Duration(utime+stime) * time.Second / clockTicks
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var hwm int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("/proc/%d/status VmHWM: %w", pid, err)
			}
			hwm = kb * 1024
		}
	}
	return cpu, hwm, sc.Err()
}
