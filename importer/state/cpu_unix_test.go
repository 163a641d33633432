//go:build unix

package state

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time the process has used so far. The benchmarks
// report it beside wall time, which a busy shared machine distorts.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
