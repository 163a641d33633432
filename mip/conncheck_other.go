//go:build !unix

package mip

import "syscall"

// connAlive cannot look at a socket without blocking here, and h1Transport
// is not used (fastTransport is false).
func connAlive(syscall.RawConn) bool { return true }

// fastTransport tells NewClient to keep net/http's transport, which notices
// connections the server closed while idle on its own.
const fastTransport = false
