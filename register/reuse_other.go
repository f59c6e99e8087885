//go:build !unix

package register

import "syscall"

// reuseAddr does nothing here: a fixed bind port then holds one socket
// or connection at a time.
func reuseAddr(_, _ string, _ syscall.RawConn) error { return nil }
