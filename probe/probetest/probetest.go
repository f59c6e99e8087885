// Package probetest is the test kit of programs that probe SIP servers
// with package probe: a certificate authority made in the test, server
// certificates it signs (a sip: URI or dNSNames), and a TLS listener on
// loopback that answers each OPTIONS with 200. It is for tests only.
package probetest

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
)

// CA is a certificate authority made for a test.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	Pool *x509.CertPool // holding Cert, for tls.Config.RootCAs
}

// NewCA returns a CA valid from two days before now for ten years.
func NewCA(t testing.TB, now time.Time) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probetest CA"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(3650 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Key: key, Pool: pool}
}

// Leaf returns a server certificate for names ("sip:example.com" becomes
// a subjectAltName URI, others dNSNames), valid from a day before the CA's
// start plus one day until notAfter.
func (ca *CA) Leaf(t testing.TB, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]},
		NotBefore: ca.Cert.NotBefore.Add(24 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if strings.HasPrefix(n, "sip:") {
			u, err := url.Parse(n)
			if err != nil {
				t.Fatal(err)
			}
			tmpl.URIs = append(tmpl.URIs, u)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// ServeStream accepts TCP connections on addr (host:port, port 0 for any)
// and hands each to handle in a goroutine, until the test ends; it returns
// the port.
func ServeStream(t testing.TB, addr string, handle func(net.Conn)) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
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

// ServeTLS serves TLS with cert on addr, answering one OPTIONS per
// connection with 200; it returns the port.
func ServeTLS(t testing.TB, addr string, cert tls.Certificate) uint16 {
	t.Helper()
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return ServeStream(t, addr, func(c net.Conn) { AnswerOK(tls.Server(c, conf)) })
}

// AnswerOK reads one request from c (for at most five seconds) and
// answers it 200 with its Call-ID; then closes c.
func AnswerOK(c net.Conn) {
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
