// Package doctortest builds the lab of the doctor's tests on loopback
// (issue 11): our DNS server (package dnsserver) serving a zone that holds
// one of each fault, and our registrar and TLS listeners as the SIP
// servers (StartKamailioTLS: Kamailio's tls module as the TLS servers).
// It is for tests only.
//
// Zone example.com (faults): NAPTR to _sip._udp, to _sip._tcp (which has
// no SRV) and to _sips._tcp; _sip._udp SRV to sip1 (answers), sip2
// (silent), sip3 (503), sip4 (nothing listens) and alias (a CNAME to
// sip1); _sips._tcp SRV to tls1 (certificate names the host only), tls2
// (correct) and tls3 (expired). Zone good.example (correct): NAPTR to
// _sip._udp (sip1) and _sips._tcp (tls2).
package doctortest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/internal/kamailiotest"
	"github.com/siplocate/siplocate/probe/probetest"
	"github.com/siplocate/siplocate/registrar"
)

// Lab is a running lab.
type Lab struct {
	DNS   string            // the DNS server, host:port (UDP and TCP)
	Roots *x509.CertPool    // the CA of the TLS servers' certificates
	CAPEM []byte            // the same CA, PEM-encoded (for --ca)
	Now   time.Time         // when the lab started: the certificates are valid from a day before
	Zones map[string]string // zone text by apex
	Ports map[string]uint16 // the SIP servers' ports by host label (sip1, tls1, ...)
}

// Start starts the lab on prefix+N for N from first to first+7 ("127.0.13.",
// 50: 127.0.13.50-.57), every server on port (0: each on a port of its
// own), and stops it when the test ends.
func Start(t testing.TB, prefix string, first int, port uint16) *Lab {
	t.Helper()
	return start(t, prefix, first, port, probetest.ServeTLS)
}

// StartKamailioTLS is Start with Kamailio (its tls module) as the three
// TLS servers instead of Go listeners, each on port 5061 of its address
// unless port says otherwise: the certificates are the same ones, made by
// the test's CA. It needs Kamailio and kamailio-tls-modules
// (scripts/install-deps); tests that use it are interop tests.
func StartKamailioTLS(t testing.TB, prefix string, first int, port uint16) *Lab {
	t.Helper()
	return start(t, prefix, first, port, serveKamailioTLS)
}

// serveKamailioTLS runs a Kamailio answering OPTIONS over TLS on addr
// (port 0: 5061) with cert; it returns the port.
func serveKamailioTLS(t testing.TB, addr string, cert tls.Certificate) uint16 {
	t.Helper()
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	if port == 0 {
		port = 5061
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	kamailiotest.Start(t, kamailiotest.Config{Addr: host, Port: port, TLSPort: port, Transports: []string{"tls"}, Workers: 1,
		TLS: &kamailiotest.TLS{CertPEM: chain, KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})}})
	return uint16(port)
}

// start starts the lab with serveTLS as the TLS servers.
func start(t testing.TB, prefix string, first int, port uint16, serveTLS func(testing.TB, string, tls.Certificate) uint16) *Lab {
	t.Helper()
	ip := func(n int) string { return fmt.Sprintf("%s%d", prefix, first+n) }
	at := func(n int) string { return net.JoinHostPort(ip(n), fmt.Sprint(port)) }
	ports := map[string]uint16{}
	ports["sip1"] = startRegistrar(t, at(1), registrar.FaultNone)
	ports["sip2"] = startRegistrar(t, at(2), registrar.FaultSilent)
	ports["sip3"] = startRegistrar(t, at(3), registrar.Fault503)
	ports["sip4"] = closedUDPPort(t, at(4))
	now := time.Now().UTC().Truncate(time.Second)
	ca := probetest.NewCA(t, now)
	year := now.Add(365 * 24 * time.Hour)
	ports["tls1"] = serveTLS(t, at(5), ca.Leaf(t, year, "tls1.example.com"))
	ports["tls2"] = serveTLS(t, at(6), ca.Leaf(t, year, "sip:example.com", "sip:good.example"))
	ports["tls3"] = serveTLS(t, at(7), ca.Leaf(t, now.Add(-24*time.Hour), "example.com"))
	zones := map[string]string{"example.com": faultZone(ip, ports), "good.example": goodZone(ip, ports)}
	dir := t.TempDir()
	var files []string
	for name, text := range zones {
		p := filepath.Join(dir, name+".zone")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	s, err := dnsserver.New(dnsserver.Config{Zones: files, Addr: at(0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &Lab{DNS: s.Addr().String(), Roots: ca.Pool, Zones: zones, Ports: ports, Now: now,
		CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})}
}

func faultZone(ip func(int) string, p map[string]uint16) string {
	return strings.NewReplacer(vars(ip, p)...).Replace(`$ORIGIN example.com.
$TTL 300
@          IN SOA   ns1 hostmaster 1 3600 600 86400 300
@          IN NS    ns1
ns1        IN A     IP0
@          IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp
@          IN NAPTR 20 50 "S" "SIP+D2T" "" _sip._tcp
@          IN NAPTR 30 50 "S" "SIPS+D2T" "" _sips._tcp
_sip._udp  IN SRV   10 0 PORTsip1 sip1
_sip._udp  IN SRV   20 0 PORTsip2 sip2
_sip._udp  IN SRV   30 0 PORTsip3 sip3
_sip._udp  IN SRV   40 0 PORTsip4 sip4
_sip._udp  IN SRV   50 0 PORTsip1 alias
_sips._tcp IN SRV   10 0 PORTtls1 tls1
_sips._tcp IN SRV   20 0 PORTtls2 tls2
_sips._tcp IN SRV   30 0 PORTtls3 tls3
sip1       IN A     IP1
sip2       IN A     IP2
sip3       IN A     IP3
sip4       IN A     IP4
alias      IN CNAME sip1
tls1       IN A     IP5
tls2       IN A     IP6
tls3       IN A     IP7
`)
}

func goodZone(ip func(int) string, p map[string]uint16) string {
	return strings.NewReplacer(vars(ip, p)...).Replace(`$ORIGIN good.example.
$TTL 300
@          IN SOA   ns1.example.com. hostmaster 1 3600 600 86400 300
@          IN NS    ns1.example.com.
@          IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp
@          IN NAPTR 30 50 "S" "SIPS+D2T" "" _sips._tcp
_sip._udp  IN SRV   10 0 PORTsip1 sip1.example.com.
_sips._tcp IN SRV   10 0 PORTtls2 tls2.example.com.
`)
}

// vars returns the replacements of IPn and PORTname, longest names first.
func vars(ip func(int) string, p map[string]uint16) []string {
	var out []string
	for name, port := range p {
		out = append(out, "PORT"+name, fmt.Sprint(port))
	}
	for n := 7; n >= 0; n-- {
		out = append(out, fmt.Sprintf("IP%d", n), ip(n))
	}
	return out
}

func startRegistrar(t testing.TB, addr string, fault registrar.FaultKind) uint16 {
	t.Helper()
	r, err := registrar.New(registrar.Config{NoAuth: true, Listen: []registrar.Listen{{Network: "udp", Addr: addr}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	if err := r.SetFault(registrar.Fault{Kind: fault, RetryAfter: 60 * time.Second}); err != nil {
		t.Fatal(err)
	}
	return netip.MustParseAddrPort(r.Addrs()[0].Addr).Port()
}

// closedUDPPort returns a UDP port at addr (host:port, port 0 for any)
// that nothing listens on: bound, then closed.
func closedUDPPort(t testing.TB, addr string) uint16 {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return netip.MustParseAddrPort(pc.LocalAddr().String()).Port()
}
