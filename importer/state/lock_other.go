//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package state

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// On systems with neither flock(2) nor LockFileEx the state refuses to open
// rather than run without the lock that keeps two runs from sharing one
// file: mipimport is built for Linux and Windows.
type fileLock struct{}

func acquireLock(dbPath, _ string, _ bool, _ time.Duration, _ func(int)) (*fileLock, error) {
	return nil, fmt.Errorf("state file %s: %w", dbPath,
		errors.New("the run lock of --state is not supported on "+runtime.GOOS+"; run mipimport on Linux or Windows, or use --no-state"))
}

func (*fileLock) release() error { return nil }
