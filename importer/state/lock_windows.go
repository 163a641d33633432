//go:build windows

package state

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Windows locks are mandatory: a locked byte cannot be read by another
// process. The lock is therefore taken on one byte far past the end of the
// file (allowed, and the file does not grow), and the PID is written at its
// start, where a refused run can still read it.

// lockOffsetHigh puts the locked byte at 1<<32, past any PID text.
const lockOffsetHigh = 1

const pidLineEnd = "\r\n"

// tryLock takes the exclusive lock without waiting; busy when another
// process holds it.
func tryLock(f *os.File) (busy bool, err error) {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) error {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}
