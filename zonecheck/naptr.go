package zonecheck

import (
	"strings"

	"github.com/miekg/dns"
)

// sipService is what a SIP NAPTR service field stands for.
type sipService struct {
	proto  string // the SRV _proto label it leads to; "" when not fixed
	secure bool   // SIPS: TLS
}

// sipServices is IANA's registry of SIP NAPTR services (RFC 3263 §4.1,
// RFC 4168 for SCTP, RFC 7118 for WebSocket). Services are matched without
// regard to case.
var sipServices = map[string]sipService{
	"SIP+D2U":  {proto: "_udp"},
	"SIP+D2T":  {proto: "_tcp"},
	"SIPS+D2T": {proto: "_tcp", secure: true},
	"SIP+D2S":  {proto: "_sctp"},
	"SIPS+D2S": {proto: "_sctp", secure: true},
	"SIP+D2W":  {},
	"SIPS+D2W": {secure: true},
}

// checkNAPTR runs the NAPTR rules of RFC 3403, RFC 3404 and RFC 3263 on
// each NAPTR record.
func checkNAPTR(z *zone, fs *findings) {
	for i := range z.records {
		r := &z.records[i]
		n, ok := r.RR.(*dns.NAPTR)
		if !ok {
			continue
		}
		checkNAPTRFields(r, n, fs)
		checkNAPTRFlags(r, n, fs)
		checkNAPTRService(r, n, fs)
		checkReplacement(z, r, n, fs)
	}
}

// checkNAPTRFields reports a rule with both a regexp and a replacement
// (RFC 3403 §4.1: the two fields are mutually exclusive, and a record with
// both is in error) or with neither, which leads nowhere.
func checkNAPTRFields(r *record, n *dns.NAPTR, fs *findings) {
	hasRepl := n.Replacement != "."
	switch {
	case n.Regexp != "" && hasRepl:
		fs.add(r, Error, "naptr-regexp-and-replacement", "both regexp %q and replacement %s are set: RFC 3403 §4.1 says they are mutually exclusive and clients may ignore the record", n.Regexp, n.Replacement)
	case n.Regexp == "" && !hasRepl && !terminalURI(n.Flags):
		fs.add(r, Error, "naptr-no-replacement", "neither regexp nor replacement is set: the rule leads nowhere (RFC 3403 §4.1); SIP rules name their SRV record in the replacement (RFC 3263 §4.1)")
	}
}

// terminalURI reports whether flags end the lookup with a URI or protocol
// (U or P), whose output comes from the regexp or the application.
func terminalURI(flags string) bool {
	f := strings.ToUpper(flags)
	return strings.Contains(f, "U") || strings.Contains(f, "P")
}

// checkNAPTRFlags reports flags other than S, A, U and P (RFC 3404 §4.3;
// RFC 3403 §4.1 allows only A-Z and 0-9, case-insensitive), and more
// than one of them, which RFC 3404 §4.3 says are mutually exclusive.
func checkNAPTRFlags(r *record, n *dns.NAPTR, fs *findings) {
	known := 0
	for _, c := range strings.ToUpper(n.Flags) {
		switch c {
		case 'S', 'A', 'U', 'P':
			known++
		default:
			fs.add(r, Error, "naptr-flag", "unknown flag %q in %q: RFC 3404 §4.3 defines S, A, U and P (empty for a non-terminal rule)", c, n.Flags)
			return
		}
	}
	if known > 1 {
		fs.add(r, Error, "naptr-flag", "flags %q: S, A, U and P are mutually exclusive (RFC 3404 §4.3)", n.Flags)
	}
}

// checkNAPTRService reports a service that is neither SIP nor ENUM, and
// checks SIP services against RFC 3263 §4.1.
func checkNAPTRService(r *record, n *dns.NAPTR, fs *findings) {
	svc := strings.ToUpper(n.Service)
	if s, ok := sipServices[svc]; ok {
		checkSIPNAPTR(r, n, s, fs)
		return
	}
	switch {
	case svc == "SIPS+D2U":
		fs.add(r, Error, "naptr-service", "service %q does not exist: SIPS needs TLS, which SIP does not run over UDP; use SIPS+D2T (RFC 3263 §4.1)", n.Service)
	case strings.HasPrefix(svc, "SIP+") || strings.HasPrefix(svc, "SIPS+") || svc == "SIP" || svc == "SIPS":
		fs.add(r, Error, "naptr-service", "unknown SIP service %q: the registry has SIP+D2U, SIP+D2T, SIPS+D2T, SIP+D2S, SIPS+D2S, SIP+D2W, SIPS+D2W (RFC 3263 §4.1, RFC 4168, RFC 7118)", n.Service)
	case svc == "" && n.Flags == "", strings.HasPrefix(svc, "E2U+"):
		// A non-terminal rule, or ENUM (RFC 6116): not SIP's to judge.
	default:
		fs.add(r, Warning, "naptr-service", "service %q is neither SIP (RFC 3263) nor ENUM (RFC 6116): SIP clients skip this record", n.Service)
	}
}

// checkSIPNAPTR checks a SIP NAPTR record: RFC 3263 §4.1 says it has flag
// "S", an empty regexp and a replacement naming the SRV record of the
// service's transport; a SIPS service must lead to TLS (_sips).
func checkSIPNAPTR(r *record, n *dns.NAPTR, s sipService, fs *findings) {
	switch strings.ToUpper(n.Flags) {
	case "A":
		fs.add(r, Warning, "naptr-sip-flag", "SIP service %s with flag \"A\": RFC 3263 §4.1 clients expect flag \"S\" and an SRV record, and may skip this", n.Service)
	case "U", "P":
		fs.add(r, Error, "naptr-sip-flag", "SIP service %s with flags %q: RFC 3263 §4.1 expects flag \"S\" and a replacement naming an SRV record", n.Service, n.Flags)
	}
	if n.Regexp != "" && n.Replacement == "." {
		fs.add(r, Error, "naptr-sip-regexp", "SIP service %s uses a regexp: RFC 3263 §4.1 expects an empty regexp and the SRV name in the replacement", n.Service)
	}
	checkTransport(r, n, s, fs)
}

// checkTransport compares the _service._proto labels of a SIP NAPTR's
// replacement, when it has them, with its service.
func checkTransport(r *record, n *dns.NAPTR, s sipService, fs *findings) {
	labels := dns.SplitDomainName(strings.ToLower(n.Replacement))
	if len(labels) < 2 || !strings.HasPrefix(labels[0], "_") || !strings.HasPrefix(labels[1], "_") {
		return
	}
	svc, proto := labels[0], labels[1]
	switch {
	case s.secure && (svc != "_sips" || proto == "_udp"):
		fs.add(r, Error, "sips-not-tls", "%s leads to %s, which is not TLS: a SIPS service must lead to a _sips SRV name over TCP or SCTP (RFC 3263 §4.1)", n.Service, n.Replacement)
	case !s.secure && svc == "_sips":
		fs.add(r, Warning, "naptr-transport-mismatch", "%s leads to %s, a SIPS (TLS) name: use SIPS+D2T for TLS (RFC 3263 §4.1)", n.Service, n.Replacement)
	case s.proto != "" && proto != s.proto:
		fs.add(r, Warning, "naptr-transport-mismatch", "%s leads to %s, but its transport is %s (RFC 3263 §4.1)", n.Service, n.Replacement, s.proto)
	}
}

// checkReplacement checks that the replacement leads somewhere in the
// zone: to SRV records for flag S, to address records for flag A, to
// another NAPTR for a non-terminal rule (RFC 3403 §4.1, RFC 3404 §4.3).
func checkReplacement(z *zone, r *record, n *dns.NAPTR, fs *findings) {
	repl := n.Replacement
	if repl == "." || terminalURI(n.Flags) {
		return
	}
	switch z.locate(repl) {
	case outOfZone:
		fs.add(r, Warning, "out-of-zone", "replacement %s is outside the zone %s: where it leads was not checked", repl, z.apex)
		return
	case delegated:
		fs.add(r, Warning, "out-of-zone", "replacement %s is below a delegation in %s: where it leads was not checked", repl, z.apex)
		return
	}
	switch strings.ToUpper(n.Flags) {
	case "S":
		if !z.has(repl, dns.TypeSRV) {
			fs.add(r, Error, "naptr-replacement-no-srv", "replacement %s has no SRV record in the zone: flag \"S\" says the next lookup is SRV (RFC 3404 §4.3, RFC 3263 §4.1)", repl)
		}
	case "A":
		if !z.hasAddress(repl) {
			fs.add(r, Error, "naptr-replacement-no-address", "replacement %s has no A or AAAA record in the zone: flag \"A\" says the next lookup is for addresses (RFC 3404 §4.3)", repl)
		}
	case "":
		if !z.has(repl, dns.TypeNAPTR) {
			fs.add(r, Error, "naptr-replacement-no-naptr", "replacement %s has no NAPTR record in the zone: an empty flag says the next lookup is NAPTR (RFC 3403 §4.1)", repl)
		}
	}
}
