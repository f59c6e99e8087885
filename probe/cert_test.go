package probe

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/url"
	"testing"
)

func TestNamesDomain(t *testing.T) {
	uri := func(s string) *url.URL { u, _ := url.Parse(s); return u }
	cases := []struct {
		name string
		cert x509.Certificate
		want bool
	}{
		{name: "sip URI", cert: x509.Certificate{URIs: []*url.URL{uri("sip:example.com")}}, want: true},
		{name: "sip URI with user and params, upper case", cert: x509.Certificate{URIs: []*url.URL{uri("sip:alice@EXAMPLE.com;transport=tls")}}, want: true},
		{name: "sip URI of another domain hides the dNSName (§7.1)", cert: x509.Certificate{URIs: []*url.URL{uri("sip:other.example")}, DNSNames: []string{"example.com"}}},
		{name: "https URI leaves the dNSNames", cert: x509.Certificate{URIs: []*url.URL{uri("https://other.example")}, DNSNames: []string{"example.com"}}, want: true},
		{name: "dNSName", cert: x509.Certificate{DNSNames: []string{"Example.com."}}, want: true},
		{name: "the SRV target only", cert: x509.Certificate{DNSNames: []string{"sip1.example.com"}}},
		{name: "wildcard (§7.2)", cert: x509.Certificate{DNSNames: []string{"*.com"}}},
		{name: "common name without subjectAltName", cert: x509.Certificate{Subject: pkix.Name{CommonName: "example.com"}}, want: true},
		{name: "common name beside a dNSName", cert: x509.Certificate{Subject: pkix.Name{CommonName: "example.com"}, DNSNames: []string{"sip1.example.com"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := NamesDomain(&tc.cert, "example.com"); got != tc.want {
				t.Errorf("NamesDomain = %v, want %v (identities %v)", got, tc.want, Identities(&tc.cert))
			}
		})
	}
}
