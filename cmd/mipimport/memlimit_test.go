package main

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// TestMemoryLimit: mipimport sets its soft memory limit, except when
// GOMEMLIMIT sets one.
func TestMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	t.Setenv("GOMEMLIMIT", "")
	os.Unsetenv("GOMEMLIMIT")
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Fatalf("without GOMEMLIMIT the limit is %d, want %d", got, memoryLimit)
	}
	if got := debug.SetGCPercent(100); got != gcPercent && os.Getenv("GOGC") == "" {
		t.Fatalf("without GOGC the collector's target is %d%%, want %d%%", got, gcPercent)
	}

	t.Setenv("GOMEMLIMIT", "1GiB") // applied by the runtime at start; here it only has to be left alone
	debug.SetMemoryLimit(1 << 30)
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Fatalf("with GOMEMLIMIT=1GiB the limit is %d, want %d", got, 1<<30)
	}
}
