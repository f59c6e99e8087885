// Package dnsserver implements an embedded authoritative DNS server for
// RFC 1035 master files, built on github.com/miekg/dns: the part a lab's DNS
// server plays for SIP (NAPTR, SRV and address records, RFC 3263).
//
// It answers from the zones it loads with the AA bit, gives NXDOMAIN and
// NODATA with the zone's SOA (RFC 2308), follows CNAMEs inside a zone,
// synthesises wildcards (RFC 4592), refers below zone cuts, REFUSES names
// outside its zones and never recurses. SRV and NAPTR answers carry the
// records a SIP client asks for next in the additional section (RFC 2782,
// RFC 3403 §4.2). Zones reload atomically on request or when their files
// change, a bad file never replaces a good zone, and secondaries (Knot, NSD,
// BIND) are fed by AXFR and NOTIFY (RFC 5936, RFC 1996).
//
// It leaves out DNSSEC signing, IXFR deltas (an IXFR gets the whole zone,
// RFC 1995 §4), dynamic update and recursion.
//
// Answers for every name and type in a zone are packed into wire form when
// the zone loads; a UDP query for one of them costs a map lookup and a copy.
// Answers for other plain queries (NXDOMAIN, wildcards) are built once and
// cached per socket. Anything else takes the slow path, which builds the
// answer with miekg/dns and gives the same result.
//
//	s, err := dnsserver.New(dnsserver.Config{Zones: []string{"example.com.zone"}, Addr: "127.0.0.1:5353"})
//	if err != nil { ... }
//	if err := s.Start(); err != nil { ... }
//	defer s.Close()
package dnsserver
