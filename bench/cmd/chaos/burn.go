package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/hookstream/hookstream/bench/proc"
)

// burnArg, as the first argument, makes this binary the CPU burner that
// --burn-cpu starts: a process of its own, so the kernel shares the cores
// between it and every hookstream process, the broker's included.
const burnArg = "burn-cpu"

// startBurner starts this binary as a burner of cores cores that ends by
// itself after bound (and with this process: proc kills children it
// outlives).
func startBurner(log io.Writer, cores int, bound time.Duration) (*proc.Process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("burner: %w", err)
	}
	return proc.Start("burner", log, self, burnArg, strconv.Itoa(cores), bound.String())
}

// burn keeps cores goroutines spinning for bound: burn-cpu CORES BOUND.
func burn(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: %s CORES BOUND", burnArg)
	}
	cores, err := strconv.Atoi(args[0])
	if err != nil || cores < 1 {
		return fmt.Errorf("cores %q: want a positive number", args[0])
	}
	bound, err := time.ParseDuration(args[1])
	if err != nil {
		return fmt.Errorf("bound %q: %w", args[1], err)
	}
	runtime.GOMAXPROCS(cores)
	for range cores {
		go func() {
			for {
			}
		}()
	}
	time.Sleep(bound)
	return nil
}
