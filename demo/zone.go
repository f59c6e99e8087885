package demo

import (
	"fmt"
	"strings"
)

// Domain is the demo's SIP domain, like the guide's grandstream.com
// (example.com is reserved for documentation by RFC 2606).
const Domain = "example.com"

// zoneText returns the guide's zone: NAPTR towards SIP+D2U and SIP+D2T,
// SRV with priority 10 to sip1 and priority 20 to sip2, sip1 at primary
// and sip2 at backup, and the domain's own A records for the phone's
// "A Record" mode (primary first). ttl is the TTL of every record.
func zoneText(primary, backup string, port, ttl int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL %d\n", Domain, ttl)
	fmt.Fprintf(&b, "@          IN SOA   ns hostmaster 2026112501 3600 600 86400 %d\n", ttl)
	b.WriteString("@          IN NS    ns\n")
	b.WriteString("ns         IN A     127.0.0.1\n")
	// RFC 3263 §4.1: NAPTR with flag "S" leads to the SRV records (the
	// guide writes it in capitals; flags are case-insensitive, RFC 3403 §4.1).
	b.WriteString(`@          IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp` + "\n")
	b.WriteString(`@          IN NAPTR 20 50 "S" "SIP+D2T" "" _sip._tcp` + "\n")
	for _, proto := range []string{"udp", "tcp"} {
		fmt.Fprintf(&b, "_sip._%s  IN SRV   10 60 %d sip1\n", proto, port)
		fmt.Fprintf(&b, "_sip._%s  IN SRV   20 40 %d sip2\n", proto, port)
	}
	fmt.Fprintf(&b, "sip1       IN A     %s\n", primary)
	fmt.Fprintf(&b, "sip2       IN A     %s\n", backup)
	fmt.Fprintf(&b, "@          IN A     %s\n", primary)
	fmt.Fprintf(&b, "@          IN A     %s\n", backup)
	return b.String()
}
