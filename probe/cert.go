package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// checkCert verifies the server's chain against roots (nil: the system's)
// at now, without a name, and checks the name as RFC 5922 §7 says.
func checkCert(chain []*x509.Certificate, roots *x509.CertPool, domain string, now time.Time) *Cert {
	if len(chain) == 0 {
		return &Cert{ChainErr: errors.New("no certificate")}
	}
	leaf := chain[0]
	c := &Cert{DNSNames: leaf.DNSNames, NotAfter: leaf.NotAfter, Leaf: leaf,
		ExpiresSoon: leaf.NotAfter.Sub(now) < ExpirySoon}
	for _, u := range leaf.URIs {
		c.URIs = append(c.URIs, u.String())
	}
	inter := x509.NewCertPool()
	for _, ic := range chain[1:] {
		inter.AddCert(ic)
	}
	_, c.ChainErr = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	c.NameOK = NamesDomain(leaf, domain)
	return c
}

// VerifyDomain returns why chain is not a valid certificate of the SIP
// domain at now, or nil: the chain must verify against roots (nil: the
// system's) for server authentication, and the leaf must name the domain
// as RFC 5922 §7.1-7.2 say (a sip: URI, else a dNSName), which
// crypto/tls's own check (dNSNames only) does not. It is the check for
// tls.Config.VerifyConnection of a client that sets InsecureSkipVerify.
func VerifyDomain(chain []*x509.Certificate, roots *x509.CertPool, domain string, now time.Time) error {
	c := checkCert(chain, roots, domain, now)
	switch {
	case c.ChainErr != nil:
		return fmt.Errorf("certificate for %s: %w", domain, c.ChainErr)
	case !c.NameOK:
		return fmt.Errorf("certificate does not name %s (RFC 5922 §7.2): it names %s", domain, c.names())
	}
	return nil
}

// ClientConfig returns a copy of base (nil: the system's roots) for a TLS
// client of the SIP domain: SNI is the domain (RFC 5922 §4), and the
// server's certificate must pass VerifyDomain, RFC 5922's name check, in
// place of crypto/tls's own (dNSNames only). A base that sets
// InsecureSkipVerify keeps it: nothing is verified.
func ClientConfig(base *tls.Config, domain string) *tls.Config {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if base != nil {
		conf = base.Clone()
	}
	conf.ServerName = domain
	if conf.InsecureSkipVerify {
		return conf
	}
	roots, now := conf.RootCAs, conf.Time
	conf.InsecureSkipVerify = true //nolint:gosec // verified by VerifyConnection, for the SIP domain
	conf.VerifyConnection = func(cs tls.ConnectionState) error {
		at := time.Now()
		if now != nil {
			at = now()
		}
		return VerifyDomain(cs.PeerCertificates, roots, domain, at)
	}
	return conf
}

// NamesDomain reports whether cert is the SIP domain's, per RFC 5922: its
// SIP domain identities are the hosts of subjectAltName URIs of scheme
// sip when there are any, else its dNSNames (§7.1); the common name only
// when there is no subjectAltName at all. They are compared with the
// domain whole and case-insensitively; a wildcard matches nothing (§7.2).
func NamesDomain(cert *x509.Certificate, domain string) bool {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	for _, id := range Identities(cert) {
		if id == domain {
			return true
		}
	}
	return false
}

// Identities returns cert's SIP domain identities in lower case (RFC 5922
// §7.1).
func Identities(cert *x509.Certificate) []string {
	var ids []string
	for _, u := range cert.URIs {
		if strings.EqualFold(u.Scheme, "sip") {
			ids = append(ids, sipURIHost(u))
		}
	}
	if len(ids) > 0 {
		return ids
	}
	for _, n := range cert.DNSNames {
		ids = append(ids, strings.TrimSuffix(strings.ToLower(n), "."))
	}
	if len(ids) == 0 && len(cert.URIs) == 0 && len(cert.IPAddresses)+len(cert.EmailAddresses) == 0 && cert.Subject.CommonName != "" {
		ids = append(ids, strings.ToLower(cert.Subject.CommonName)) // §7.1: only without subjectAltName
	}
	return ids
}

// sipURIHost returns the host of a sip: URI ("sip:example.com",
// "sip:user@example.com;transport=tls"), lower case.
func sipURIHost(u *url.URL) string {
	s := u.Opaque
	if s == "" {
		s = strings.TrimPrefix(u.Host, "//")
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s, _, _ = strings.Cut(s, ";")
	s, _, _ = strings.Cut(s, "?")
	if h, _, ok := strings.Cut(s, ":"); ok && !strings.HasPrefix(s, "[") {
		s = h
	}
	return strings.ToLower(s)
}

// names lists the certificate's names for a message.
func (c *Cert) names() string {
	all := append(append([]string{}, c.URIs...), c.DNSNames...)
	if len(all) == 0 {
		return "no subjectAltName"
	}
	return strings.Join(all, ", ")
}
