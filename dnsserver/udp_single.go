package dnsserver

import (
	"net"

	"golang.org/x/net/ipv4"
)

// singleTrunc is the flag singleConn sets on a datagram that filled its
// buffer: it may have been longer, and it is dropped as recvmmsg's
// MSG_TRUNC ones are.
const singleTrunc = 1 << 30

// singleConn is the portable batchConn: one datagram per call, through
// net.UDPConn, for systems without recvmmsg (and ipv4.PacketConn's batch
// calls need recvmsg, which Windows lacks).
type singleConn struct{ conn *net.UDPConn }

// ReadBatch reads one datagram into ms[0].
func (c singleConn) ReadBatch(ms []ipv4.Message, _ int) (int, error) {
	buf := ms[0].Buffers[0]
	n, addr, err := c.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		return 0, err
	}
	ms[0].N, ms[0].Addr, ms[0].Flags = n, net.UDPAddrFromAddrPort(addr), 0
	if n == len(buf) {
		ms[0].Flags = singleTrunc
	}
	return 1, nil
}

// WriteBatch writes ms[0].
func (c singleConn) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	if _, err := c.conn.WriteTo(ms[0].Buffers[0], ms[0].Addr); err != nil {
		return 0, err
	}
	return 1, nil
}
