package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"go.uber.org/zap"
)

// startCPUProfile profiles the process into path until the returned
// function is called. A profile holds function names and sample counts,
// no data of the rows.
func startCPUProfile(path string) (func(*zap.Logger), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func(log *zap.Logger) {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Warn("writing the CPU profile failed", zap.Error(err))
		}
	}, nil
}
