package dnsserver

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestSingleConnServes runs the portable UDP path (the one macOS, the BSDs
// and Windows take) on this system: queries are answered, and a datagram
// too long for the buffer is dropped and counted, not answered truncated.
func TestSingleConnServes(t *testing.T) {
	s := startServer(t, Config{ReusePort: 1, singleUDP: true})
	addr := s.Addr().String()
	r := exchange(t, "udp", addr, query{name: "sip1.example.com.", qtype: dns.TypeA, edns: 1232}.msg())
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		t.Fatalf("sip1 A over the portable path: %v", r)
	}
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	long := append(pack(t, query{name: "sip1.example.com.", qtype: dns.TypeA}.msg()), make([]byte, maxQuery)...)
	next := query{name: "sip1.example.com.", qtype: dns.TypeA}.msg()
	next.Id = 0x4321
	for _, b := range [][]byte{long, pack(t, next)} {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	// One goroutine answers the socket in order: the first response to
	// come back is the second query's when the long one was dropped.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := unpack(t, buf[:n]); got.Id != next.Id || got.Rcode != dns.RcodeSuccess {
		t.Errorf("first response: ID %#x rcode %d; want the second query's %#x, NOERROR (the long one dropped)", got.Id, got.Rcode, next.Id)
	}
	if got := s.udp[0].st.malformed.Load(); got != 1 {
		t.Errorf("malformed %d, want 1", got)
	}
}
