//go:build !linux

package dnsserver

import (
	"net"
	"syscall"
)

// msgTrunc is recvmmsg's flag, which only Linux's batchConn sets;
// singleConn sets singleTrunc.
const msgTrunc = 0

// socketsPerAddr returns 1: outside Linux, SO_REUSEPORT does not spread
// unicast datagrams over the sockets (the BSDs and macOS give them all to
// one), and Windows has no such option.
func socketsPerAddr(int) int { return 1 }

// socketOptions sets nothing before the socket binds; newBatchConn asks
// for large buffers.
func socketOptions(_, _ string, _ syscall.RawConn) error { return nil }

// newBatchConn reads and writes one datagram per call, with the portable
// calls of package net.
func newBatchConn(conn *net.UDPConn) batchConn {
	_ = conn.SetReadBuffer(socketBuffer)
	_ = conn.SetWriteBuffer(socketBuffer)
	return singleConn{conn}
}
