package probe

import (
	"crypto/tls"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/siplocate/siplocate/probe/probetest"
	"github.com/siplocate/siplocate/registrar"
)

// certNow is the clock of the certificate tests.
var certNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

type testCA struct{ *probetest.CA }

func newTestCA(t testing.TB) testCA { return testCA{probetest.NewCA(t, certNow)} }

func (ca testCA) leaf(t testing.TB, notAfter time.Time, names ...string) tls.Certificate {
	return ca.Leaf(t, notAfter, names...)
}

func serveStream(t testing.TB, host string, handle func(net.Conn)) uint16 {
	return probetest.ServeStream(t, host+":0", handle)
}

func serveTLS(t testing.TB, host string, cert tls.Certificate) uint16 {
	return probetest.ServeTLS(t, host+":0", cert)
}

var answerOK = probetest.AnswerOK

// startRegistrar starts a registrar on UDP and TCP at host:0 and returns
// its port (the same for both when free) and the registrar.
func startRegistrar(t testing.TB, host string) (*registrar.Registrar, uint16, uint16) {
	t.Helper()
	r, err := registrar.New(registrar.Config{NoAuth: true, Listen: []registrar.Listen{
		{Network: "udp", Addr: host + ":0"}, {Network: "tcp", Addr: host + ":0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	var udp, tcp uint16
	for _, l := range r.Addrs() {
		ap := netip.MustParseAddrPort(l.Addr)
		if l.Network == "udp" {
			udp = ap.Port()
		} else {
			tcp = ap.Port()
		}
	}
	return r, udp, tcp
}

// closedUDPPort returns a UDP port on host that nothing listens on.
func closedUDPPort(t testing.TB, host string) uint16 {
	t.Helper()
	pc, err := net.ListenPacket("udp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := netip.MustParseAddrPort(pc.LocalAddr().String()).Port()
	pc.Close()
	return port
}

// resetConn closes c with an RST (SO_LINGER 0).
func resetConn(c net.Conn) {
	_ = c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

func target(transport, host string, port uint16) Target {
	return Target{Transport: transport, Address: netip.MustParseAddr(host), Port: port, Host: "sip." + transport + ".example.com"}
}
