package register

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/probe/probetest"
)

// TestTLSSIPDomainIdentity: a registrar's certificate is checked for the
// account's SIP domain as RFC 5922 §7.1-7.2 say, through package probe's
// check: one whose sip: URIs name another domain is refused even with a
// dNSName example.com (the URIs win), and one naming the domain only as
// the URI sip:example.com, which crypto/tls alone would refuse, takes the
// registration.
func TestTLSSIPDomainIdentity(t *testing.T) {
	ca := probetest.NewCA(t, time.Now())
	year := time.Now().Add(365 * 24 * time.Hour)
	serve := func(names ...string) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{ca.Leaf(t, year, names...)}}
	}
	primary, _ := newStreamTestServer(t, ok, serve("sip:other.example", "example.com"))
	backup, _ := newStreamTestServer(t, ok, serve("sip:example.com"))
	acct := alice()
	acct.AttemptTimeout = time.Minute
	ev := startWith(t, Config{TLS: &tls.Config{RootCAs: ca.Pool}}, []locate.Target{primary.target, backup.target}, acct)
	if got := ev.wait(t, AttemptFailed); got.Target.AddrPort() != primary.target.AddrPort() || got.Outcome != "transport-error" {
		t.Errorf("attempt to %s: %s (%v); want the primary's certificate refused", targetName(got.Target), got.Outcome, got.Err)
	}
	if got := ev.wait(t, Registered); got.Target.AddrPort() != backup.target.AddrPort() {
		t.Errorf("registered with %s, want the backup, whose certificate is sip:example.com's", targetName(got.Target))
	}
}
