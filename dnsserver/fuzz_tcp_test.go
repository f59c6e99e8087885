package dnsserver

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// FuzzServeTCP writes arbitrary bytes to a TCP connection of a running
// server, as a stream of length-prefixed messages (RFC 1035 §4.2.2), then
// closes its side. Every frame that comes back must be a whole message
// that parses, with QR set and the ID of a frame sent; transfers are
// allowed, so AXFR and IXFR answer with the zone. A panic in the server
// ends the fuzzing process.
func FuzzServeTCP(f *testing.F) {
	s := startServer(f, Config{
		AllowTransfer: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		TSIG:          []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}},
	})
	addr := s.Addr().String()
	axfr := new(dns.Msg)
	axfr.SetAxfr("example.com.")
	f.Add(frames(pack(f, query{name: "example.com.", qtype: dns.TypeNAPTR, edns: 1232}.msg()), pack(f, axfr)))
	f.Fuzz(func(t *testing.T, stream []byte) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(stream); err != nil {
			return // the server closed the connection: allowed
		}
		_ = c.(*net.TCPConn).CloseWrite()
		ids := frameIDs(stream)
		for range 1 << 16 { // bounded: a frame per received message at most
			resp, err := readFrame(c)
			if err != nil {
				return // the server closed the connection
			}
			m := new(dns.Msg)
			if err := m.Unpack(resp); err != nil {
				t.Fatalf("response %x does not parse: %v", resp, err)
			}
			if !m.Response || !ids[m.Id] {
				t.Fatalf("response %v: want QR and the ID of a frame sent", m)
			}
		}
	})
}

// frames joins messages into a TCP stream, each with its length first.
func frames(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = binary.BigEndian.AppendUint16(out, uint16(len(m)))
		out = append(out, m...)
	}
	return out
}

// frameIDs returns the IDs of the frames in stream.
func frameIDs(stream []byte) map[uint16]bool {
	ids := map[uint16]bool{}
	for len(stream) >= 2 {
		n := int(binary.BigEndian.Uint16(stream))
		stream = stream[2:]
		if n >= 2 && len(stream) >= 2 {
			ids[binary.BigEndian.Uint16(stream)] = true
		}
		stream = stream[min(n, len(stream)):]
	}
	return ids
}

// readFrame reads one length-prefixed message.
func readFrame(r io.Reader) ([]byte, error) {
	var n [2]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(n[:]))
	_, err := io.ReadFull(r, buf)
	return buf, err
}
