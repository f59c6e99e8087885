package dnstest

import (
	"context"
	"encoding/binary"
	"io"
	"net"

	"github.com/miekg/dns"
)

// NewMemServer returns a Server without sockets: clients reach it only
// through its Dial method, over in-memory connections. With no real I/O
// it works inside a testing/synctest bubble, where timeouts pass in fake
// time (STYLE.md §4).
func NewMemServer(h dns.Handler) *Server {
	return &Server{Addr: "mem", handler: h}
}

// Dial has the signature of net.Dialer.DialContext (and of
// dnsclient.Config.Dial): it returns one end of an in-memory connection
// whose other end this server serves, whatever address is asked for.
// "udp" keeps message boundaries; "tcp" frames messages with a 2-byte
// length (RFC 1035 §4.2.2).
func (s *Server) Dial(ctx context.Context, network, address string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	client, server := net.Pipe()
	tcp := network == "tcp" || network == "tcp4" || network == "tcp6"
	go s.serveMem(server, tcp)
	return client, nil
}

// serveMem answers the queries read from conn until it is closed.
func (s *Server) serveMem(conn net.Conn, tcp bool) {
	defer conn.Close()
	w := &memWriter{conn: conn, tcp: tcp}
	for {
		b, err := w.read()
		if err != nil {
			return
		}
		r := new(dns.Msg)
		if r.Unpack(b) != nil {
			continue // a real server drops what it cannot parse
		}
		s.ServeDNS(w, r)
	}
}

// memWriter is the dns.ResponseWriter of an in-memory connection.
type memWriter struct {
	conn net.Conn
	tcp  bool
}

var (
	memUDPAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	memTCPAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
)

// read returns the next message from the client.
func (w *memWriter) read() ([]byte, error) {
	if !w.tcp {
		buf := make([]byte, dns.MaxMsgSize)
		n, err := w.conn.Read(buf)
		return buf[:n], err
	}
	var l [2]byte
	if _, err := io.ReadFull(w.conn, l[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	_, err := io.ReadFull(w.conn, buf)
	return buf, err
}

func (w *memWriter) LocalAddr() net.Addr {
	if w.tcp {
		return memTCPAddr
	}
	return memUDPAddr
}

func (w *memWriter) RemoteAddr() net.Addr { return w.LocalAddr() }

// WriteMsg packs and sends m.
func (w *memWriter) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Write sends b as one message.
func (w *memWriter) Write(b []byte) (int, error) {
	if w.tcp {
		b = append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
	}
	return w.conn.Write(b)
}

func (w *memWriter) Close() error        { return w.conn.Close() }
func (w *memWriter) TsigStatus() error   { return nil }
func (w *memWriter) TsigTimersOnly(bool) {}
func (w *memWriter) Hijack()             {}
