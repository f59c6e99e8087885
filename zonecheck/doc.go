// Package zonecheck lints the SIP records of a DNS zone file: the NAPTR,
// SRV and address records a SIP client follows to find its servers (RFC
// 3263 §4), checked against RFC 2782 (SRV), RFC 3403 and RFC 3404 (NAPTR)
// and RFC 3263 (SIP's use of both).
//
// It reports, each finding with the file and line of the record:
//
//   - an SRV target that is an alias (CNAME) or has no A or AAAA record in
//     the zone, and a target of "." next to other SRV records (RFC 2782);
//   - a mix of weight 0 and non-zero weights at one priority (RFC 2782);
//   - a NAPTR whose replacement has no SRV record (flag S), no address
//     record (flag A) or no NAPTR record (empty flag), a NAPTR with both a
//     regexp and a replacement, and unknown or conflicting flags (RFC 3403
//     §4.1, RFC 3404 §4.3);
//   - an unknown SIP service (IANA's registry: RFC 3263, RFC 4168, RFC
//     7118), a service that is neither SIP nor ENUM, and a SIPS service that
//     does not lead to TLS;
//   - TTLs of SIP records below 30 s or above one day, and RRsets whose TTLs
//     differ (RFC 2181 §5.2);
//   - SRV targets and NAPTR replacements outside the zone (a warning: they
//     cannot be checked from here);
//   - every reason `siplocate dns serve` refuses a file (not exactly one
//     SOA at the apex, no NS at the apex, a class other than IN, a record
//     outside the zone, a CNAME with other data), as errors in the words
//     dnsserver uses: both read files with internal/zonefile.
//
// Findings are errors (a client's lookup breaks or an RFC rule is broken)
// or warnings (legal, or not checkable, but probably not what was meant).
// zonecheck reads one zone and its $INCLUDEs and asks no DNS server: names
// in other zones are reported, not resolved. It does not check DNSSEC.
//
// Usage:
//
//	f, err := os.Open("example.com.zone")
//	if err != nil { ... }
//	defer f.Close()
//	report, err := zonecheck.Check(f, "example.com.zone", "example.com.")
//	if err != nil { ... } // a *ParseError: file, line and reason
//	for _, finding := range report.Findings {
//		fmt.Println(finding) // example.com.zone:12: error: target ...
//	}
//
// The command `siplocate dns check FILE` is this package with a text or
// JSON report; see README.md.
package zonecheck
