package dnsserver

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// msgTrunc marks a datagram longer than its buffer (recvmmsg's MSG_TRUNC).
const msgTrunc = unix.MSG_TRUNC

// socketsPerAddr returns n: SO_REUSEPORT spreads queries over the sockets.
func socketsPerAddr(n int) int { return n }

// socketOptions sets SO_REUSEPORT on a socket before it binds, and large
// buffers: SO_RCVBUFFORCE where the process may (root), which passes
// net.core.rmem_max, else what SO_RCVBUF gets.
func socketOptions(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		for _, opt := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt[0], socketBuffer) != nil {
				_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt[1], socketBuffer)
			}
		}
	})
	return errors.Join(err, serr)
}

// newBatchConn moves datagrams with recvmmsg and sendmmsg, a batch per
// system call.
func newBatchConn(conn *net.UDPConn) batchConn {
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil {
		return ipv6.NewPacketConn(conn)
	}
	return ipv4.NewPacketConn(conn)
}
