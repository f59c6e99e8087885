package register

import (
	"net"
	"net/netip"
)

// dialer returns the dialer for the sockets and connections of a stack
// bound to bind (Account.Bind); the zero AddrPort is any address, any
// port. A fixed port is shared by the connected UDP sockets and TCP
// connections to each target, which takes SO_REUSEADDR (reuseAddr).
func dialer(bind netip.AddrPort, network string) *net.Dialer {
	d := &net.Dialer{}
	if !bind.IsValid() {
		return d
	}
	if network == "udp" {
		d.LocalAddr = net.UDPAddrFromAddrPort(bind)
	} else {
		d.LocalAddr = net.TCPAddrFromAddrPort(bind)
	}
	if bind.Port() != 0 {
		d.Control = reuseAddr
	}
	return d
}

// dialUDP returns the connected UDP socket to raddr from bind.
func dialUDP(bind netip.AddrPort) func(raddr netip.AddrPort) (*net.UDPConn, error) {
	return func(raddr netip.AddrPort) (*net.UDPConn, error) {
		c, err := dialer(bind, "udp").Dial("udp", raddr.String())
		if err != nil {
			return nil, err
		}
		return c.(*net.UDPConn), nil
	}
}

// parseBind parses Account.Bind: an IP address with an optional port
// ("" is any address).
func parseBind(s string) (netip.AddrPort, error) {
	if s == "" {
		return netip.AddrPort{}, nil
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(ip, 0), nil
	}
	return netip.ParseAddrPort(s)
}
