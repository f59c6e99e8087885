package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// udpSocket is one of the UDP sockets sharing the server's address. One
// goroutine reads it and answers in line: no goroutine and no allocation
// per query on the fast path.
type udpSocket struct {
	srv  *Server
	conn *net.UDPConn
	st   stats
}

// listenUDP opens cfg.reusePort() sockets on the address, with
// SO_REUSEPORT so that the kernel spreads queries over them.
func (s *Server) listenUDP() error {
	lc := net.ListenConfig{Control: reusePort}
	addr := s.cfg.addr()
	for range s.cfg.reusePort() {
		pc, err := lc.ListenPacket(context.Background(), "udp", addr)
		if err != nil {
			s.closeUDP()
			return fmt.Errorf("dns server: listen udp %s: %w", addr, err)
		}
		u := &udpSocket{srv: s, conn: pc.(*net.UDPConn)}
		s.udp = append(s.udp, u)
		addr = u.conn.LocalAddr().String() // port 0: the others take the same port
	}
	return nil
}

// reusePort sets SO_REUSEPORT on a socket before it binds.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	return errors.Join(err, serr)
}

// serve reads and answers queries until the socket is closed.
func (u *udpSocket) serve() {
	in := make([]byte, dns.MaxMsgSize)
	out := make([]byte, 0, dns.MaxMsgSize)
	key := make([]byte, 0, 260)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(in)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		resp := u.handle(in[:n], out, key)
		if resp != nil {
			_, _ = u.conn.WriteToUDPAddrPort(resp, from)
		}
	}
}

// handle returns the response to one packet, or nil to drop it.
func (u *udpSocket) handle(q, out, key []byte) []byte {
	snap := u.srv.snap.Load()
	if resp, qtype, rcode, ok := snap.wire.serve(q, out, key); ok {
		u.st.count(qtype, int(rcode))
		return resp
	}
	return u.srv.slowPath(snap, q, out, &u.st, 0)
}
