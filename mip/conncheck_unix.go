//go:build unix

package mip

import "syscall"

// connAlive reports whether an idle connection can carry a request: the
// server has not closed it (end of file) or reset it, and sent nothing
// unasked. It reads the socket without blocking, the check go-sql-driver/mysql
// makes before reusing a connection; a byte read means the connection is
// thrown away, so nothing is lost.
func connAlive(rc syscall.RawConn) bool {
	if rc == nil {
		return true
	}
	alive := false
	err := rc.Read(func(fd uintptr) bool {
		var buf [1]byte
		_, err := syscall.Read(int(fd), buf[:])
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for the socket to become readable
	})
	return err == nil && alive
}

// fastTransport tells NewClient it may use h1Transport: connAlive works here.
const fastTransport = true
