//go:build windows

package state

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

// fileLock is an exclusive LockFileEx lock on PATH.lock, held for the life
// of a Store. Windows drops it when the process ends, however it ends, so a
// killed run leaves no stale lock; the file itself stays and holds the last
// holder's PID.
//
// Windows locks are mandatory: a locked byte cannot be read by another
// process. The lock is therefore taken on one byte far past the end of the
// file (allowed, and the file does not grow), and the PID is written at its
// start, where a refused run can still read it.
type fileLock struct {
	f *os.File
}

// lockOffsetHigh puts the locked byte at 1<<32, past any PID text.
const lockOffsetHigh = 1

func acquireLock(dbPath, lockPath string, wait bool, waitMax time.Duration, onWait func(pid int)) (*fileLock, error) {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state file %s: opening its lock file: %w", dbPath, err)
	}
	var deadline time.Time
	if waitMax > 0 {
		deadline = time.Now().Add(waitMax)
	}
	for {
		ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
		err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
		if err == nil {
			break
		}
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) && !errors.Is(err, windows.ERROR_IO_PENDING) {
			f.Close()
			return nil, fmt.Errorf("state file %s: locking %s: %w", dbPath, lockPath, err)
		}
		if !wait || (!deadline.IsZero() && !time.Now().Before(deadline)) {
			holder := "another mipimport run"
			if pid := lockHolder(f); pid > 0 {
				holder += " (PID " + strconv.Itoa(pid) + ")"
			}
			f.Close()
			if wait {
				return nil, fmt.Errorf("state file %s: waited %s, %s still holds it: %w", dbPath, waitMax, holder, ErrLocked)
			}
			return nil, fmt.Errorf("state file %s: %s holds it (lock %s); wait for it to end or use --wait-lock: %w", dbPath, holder, lockPath, ErrLocked)
		}
		if onWait != nil {
			onWait(lockHolder(f))
			onWait = nil
		}
		sleep := lockPoll
		if !deadline.IsZero() {
			sleep = min(sleep, max(time.Until(deadline), time.Millisecond))
		}
		time.Sleep(sleep)
	}
	// Ours now: record who holds it, for the message another run shows.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\r\n"), 0)
	}
	return &fileLock{f: f}, nil
}

// lockHolder reads the PID the holder wrote; 0 when unknown.
func lockHolder(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return 0
	}
	return pid
}

func (l *fileLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.UnlockFileEx(windows.Handle(l.f.Fd()), 0, 1, 0, &ol)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
