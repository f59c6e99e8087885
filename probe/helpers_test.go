package probe

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/registrar"
)

// certNow is the clock of the certificate tests.
var certNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// testCA is a CA made for a test, and the certificates it signs.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probe test CA"},
		NotBefore: certNow.Add(-48 * time.Hour), NotAfter: certNow.Add(3650 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// leaf returns a server certificate for the names ("sip:example.com" is a
// URI SAN, others dNSNames) valid until notAfter.
func (ca *testCA) leaf(t testing.TB, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: certNow.Add(-24 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if strings.HasPrefix(n, "sip:") {
			u, _ := url.Parse(n)
			tmpl.URIs = append(tmpl.URIs, u)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

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

// serveStream accepts connections on host:0 and hands each to handle, in
// a goroutine; it returns the port.
func serveStream(t testing.TB, host string, handle func(net.Conn)) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()).Port()
}

// resetConn closes c with an RST (SO_LINGER 0).
func resetConn(c net.Conn) {
	_ = c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// answerOK reads one request from c and answers it 200, copying its
// Call-ID; then closes c.
func answerOK(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	callID := ""
	for range 50 {
		l, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if v, ok := strings.CutPrefix(l, "Call-ID: "); ok {
			callID = strings.TrimSpace(v)
		}
		if l == "\r\n" {
			break
		}
	}
	_, _ = c.Write([]byte("SIP/2.0 200 OK\r\nCall-ID: " + callID + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"))
}

// serveTLS serves TLS with cert on host:0, answering one OPTIONS per
// connection with 200; it returns the port.
func serveTLS(t testing.TB, host string, cert tls.Certificate) uint16 {
	t.Helper()
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return serveStream(t, host, func(c net.Conn) {
		tc := tls.Server(c, conf)
		answerOK(tc)
	})
}

func target(transport, host string, port uint16) Target {
	return Target{Transport: transport, Address: netip.MustParseAddr(host), Port: port, Host: "sip." + transport + ".example.com"}
}
