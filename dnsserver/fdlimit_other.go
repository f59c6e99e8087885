//go:build !unix

package dnsserver

// fdLimit reports no descriptor limit where there is no RLIMIT_NOFILE.
func fdLimit() (int, bool) { return 0, false }
