//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows

package state

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// fileLock is an exclusive lock on PATH.lock, held for the life of a Store:
// flock(2) on Unix (lock_flock.go), LockFileEx on Windows (lock_windows.go).
// The system drops it when the process ends, however it ends, so a killed
// run leaves no stale lock; the file itself stays and holds the last
// holder's PID, which a refused run names.
type fileLock struct {
	f *os.File
}

// acquireLock takes the lock with the platform's tryLock, polling every
// lockPoll while wait is set (up to waitMax when it is positive), and
// records this process's PID in the lock file.
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
		busy, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("state file %s: locking %s: %w", dbPath, lockPath, err)
		}
		if !busy {
			break
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
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+pidLineEnd), 0)
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
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
