package main

import (
	"os"
	"runtime/debug"
)

// memoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT sets
// another. By default Go lets the heap grow to twice what it holds between
// collections; a batch tool that runs beside others (a clerk's PC, a shared
// server) need not, and the largest sheet then stays within 200 MiB (SPEC
// §8). Near the limit the garbage collector runs more often, which costs
// little: most of what a run holds (the shared strings, the set of GUIDs
// seen) has no pointers to follow. It is no hard cap: a run that holds more
// goes past it, with the collector held to at most half the CPU by the
// runtime.
const memoryLimit = 128 << 20

// setMemoryLimit applies memoryLimit, unless the GOMEMLIMIT environment
// variable is set (the runtime has applied it).
//
// Under the limit the collector may let the heap grow to gcPercent more than
// it holds (unless GOGC says otherwise): a run's heap is small next to the
// limit, and collecting it less often saves CPU on every request, while the
// limit still bounds the largest sheet.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimit)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// gcPercent is the collector's growth target under the memory limit.
const gcPercent = 400
