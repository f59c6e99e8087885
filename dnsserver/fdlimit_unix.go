//go:build unix

package dnsserver

import "syscall"

// fdLimit returns the process's descriptor limit (RLIMIT_NOFILE, soft).
func fdLimit() (int, bool) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<30 {
		return 0, false
	}
	return int(l.Cur), true
}
