package sipsend

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/emiago/sipgo/sip"
)

// Linux reports an ICMP port unreachable to the application (as
// ECONNREFUSED on the next read or write) only on a connected UDP socket,
// unless IP_RECVERR is set (ip(7)). sipgo's UDP client sockets are not
// connected, so an attempt to a closed port would wait out its whole
// timeout. UDP gives sipgo one connected socket per target instead, and
// tells attempts when the kernel reported ECONNREFUSED on it: the attempt
// then fails at once as a transport error (RFC 3263 §4.3). Do and the
// register package use it; one UDP serves every request of a transport
// layer, and is safe for concurrent use.
type UDP struct {
	tl   *sip.TransportLayer
	dial func(raddr netip.AddrPort) (*net.UDPConn, error)

	mu    sync.Mutex
	conns map[netip.AddrPort]*ConnectedUDP
}

// NewUDP returns the connected sockets of transport layer tl (a sipgo
// client's TransportLayer()); none is made until asked for.
func NewUDP(tl *sip.TransportLayer) *UDP {
	return NewUDPDial(tl, nil)
}

// NewUDPDial is NewUDP with dial making each connected socket (from a
// local address of the caller's choosing); nil dials from any address.
func NewUDPDial(tl *sip.TransportLayer, dial func(raddr netip.AddrPort) (*net.UDPConn, error)) *UDP {
	if dial == nil {
		dial = func(raddr netip.AddrPort) (*net.UDPConn, error) {
			return net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(raddr))
		}
	}
	return &UDP{tl: tl, dial: dial, conns: map[netip.AddrPort]*ConnectedUDP{}}
}

// Conn returns the connected socket to raddr, creating it and handing it to
// sipgo (its UDP pool, keyed by the remote address, and a reader) when
// there is none.
func (u *UDP) Conn(raddr netip.AddrPort) (*ConnectedUDP, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if c, ok := u.conns[raddr]; ok {
		return c, nil
	}
	uc, err := u.dial(raddr)
	if err != nil {
		return nil, fmt.Errorf("connect UDP socket to %s: %w", raddr, err)
	}
	c := &ConnectedUDP{UDPConn: uc, refused: make(chan struct{})}
	u.conns[raddr] = c
	go func() { _ = u.tl.ServeUDP(c) }() // reads until the socket is closed
	u.tl.Pool("udp").Add(raddr.String(), &sip.UDPConnection{
		PacketConn: c, PacketAddr: uc.LocalAddr().String(), Listener: true,
	})
	return c, nil
}

// Close closes every socket; sipgo's pool forgets them as its readers end.
func (u *UDP) Close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, c := range u.conns {
		_ = c.UDPConn.Close()
		u.tl.Pool("udp").Delete(k.String())
		delete(u.conns, k)
	}
}

// ConnectedUDP is a connected UDP socket dressed as the net.PacketConn
// sipgo expects. An ECONNREFUSED on a read (the kernel's report of an ICMP
// port unreachable) closes the current refused channel and the read goes
// on, so that sipgo's reader survives it.
type ConnectedUDP struct {
	*net.UDPConn

	mu      sync.Mutex
	refused chan struct{}
}

// Refused returns a channel closed when the kernel next reports the target
// unreachable. Take it before sending.
func (c *ConnectedUDP) Refused() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused
}

func (c *ConnectedUDP) signalRefused() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.refused)
	c.refused = make(chan struct{})
}

// ReadFrom reads the next datagram from the connected peer.
func (c *ConnectedUDP) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, err := c.UDPConn.Read(b)
		if IsRefused(err) {
			c.signalRefused()
			continue
		}
		return n, c.UDPConn.RemoteAddr(), err
	}
}

// WriteTo writes to the connected peer; addr is the same peer (sipgo found
// this socket by it).
func (c *ConnectedUDP) WriteTo(b []byte, _ net.Addr) (int, error) {
	n, err := c.UDPConn.Write(b)
	if IsRefused(err) {
		c.signalRefused()
	}
	return n, err
}

// SetDeadline and friends come from *net.UDPConn; LocalAddr and Close too.
var _ net.PacketConn = (*ConnectedUDP)(nil)

// IsRefused reports whether err is the kernel's ECONNREFUSED.
func IsRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
