//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package state

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// fileLock is an exclusive flock(2) on PATH.lock, held for the life of a
// Store. The kernel drops it when the process dies, so a killed run leaves
// no stale lock; the file itself stays and holds the last holder's PID.
// (flock rather than the //go:build unix set: syscall.Flock does not exist
// on every Unix Go supports.)
type fileLock struct {
	f *os.File
}

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
		err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
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
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
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
	err := flock(l.f, syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
