package locatedns

import (
	"net/netip"
	"strings"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/locate"
)

// answer returns a in locate's types: the records of the type asked, the
// CNAMEs followed, NXDOMAIN, expiry, server, RTT and whether it was
// cached. Records of other types are left out.
func answer(a *dnsclient.Answer) *locate.Answer {
	la := &locate.Answer{Name: a.Name, NXDOMAIN: a.Rcode == dns.RcodeNameError, Expires: a.Expires,
		Server: a.Server, RTT: a.RTT, Cached: a.Cached}
	for _, c := range a.CNAMEs {
		la.CNAMEs = append(la.CNAMEs, locate.CNAME{Name: c.Hdr.Name, TTL: c.Hdr.Ttl, Target: c.Target})
	}
	for _, rr := range a.Records {
		addRecord(la, rr)
	}
	return la
}

// addRecord appends rr to the slice of la for its type.
func addRecord(la *locate.Answer, rr dns.RR) {
	h := rr.Header()
	switch rr := rr.(type) {
	case *dns.SRV:
		la.SRV = append(la.SRV, locate.SRV{Name: h.Name, TTL: h.Ttl, Priority: rr.Priority, Weight: rr.Weight,
			Port: rr.Port, Target: rr.Target})
	case *dns.NAPTR:
		la.NAPTR = append(la.NAPTR, locate.NAPTR{Name: h.Name, TTL: h.Ttl, Order: rr.Order, Preference: rr.Preference,
			Flags: unescape(rr.Flags), Service: unescape(rr.Service), Regexp: unescape(rr.Regexp), Replacement: rr.Replacement})
	case *dns.A:
		if ip, ok := netip.AddrFromSlice(rr.A.To4()); ok {
			la.Addrs = append(la.Addrs, locate.Addr{Name: h.Name, TTL: h.Ttl, IP: ip})
		}
	case *dns.AAAA:
		if ip, ok := netip.AddrFromSlice(rr.AAAA.To16()); ok {
			la.Addrs = append(la.Addrs, locate.Addr{Name: h.Name, TTL: h.Ttl, IP: ip})
		}
	}
}

// unescape returns the octets of a character-string that miekg/dns holds
// in presentation form (RFC 1035 §5.1: "\X" is X, "\DDD" the octet DDD),
// so that a NAPTR regexp's backslashes reach locate as on the wire.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); v < 256 {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		i++
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
