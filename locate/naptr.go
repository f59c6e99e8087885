package locate

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// maxNAPTRChain bounds how many NAPTR lookups one resolution makes when
// records with empty flags point to further NAPTR records (RFC 3403 §4.1
// non-terminal rules).
const maxNAPTRChain = 5

// naptr runs RFC 3263 §4.1's NAPTR step for domain: it looks up NAPTR,
// keeps the records for services the client supports, follows non-terminal
// records, and resolves the services it kept. It adds no targets when
// there are no NAPTR records or none the client can use; the caller then
// falls back to SRV. used reports whether records named services to try.
func (r *resolution) naptr(domain string) (used bool) {
	name := domain
	r.s.visited = append(r.s.visited[:0], name)
	for range maxNAPTRChain {
		from := len(r.s.jobs)
		ji := r.addJob(from, name, TypeNAPTR)
		r.lookupAll(from)
		a, ok := r.answer(ji)
		if !ok {
			return false
		}
		next, svcs := r.selectNAPTR(ji, name, a.NAPTR, a.Expires)
		if next == "" {
			r.services(svcs)
			return len(svcs) > 0
		}
		if slices.ContainsFunc(r.s.visited, func(v string) bool { return strings.EqualFold(v, next) }) {
			r.fail(&Error{Name: next, Step: "NAPTR", Err: ErrLoop})
			return false
		}
		r.s.visited = append(r.s.visited, next)
		name = next
	}
	r.fail(&Error{Name: name, Step: "NAPTR", Err: ErrLoop})
	return false
}

// selectNAPTR picks from the NAPTR RRset of name the records to use
// (RFC 3263 §4.1): those whose service the client supports (a sips: URI
// only TLS ones) with flag "S", "A" or "" (case insensitive), lowest order
// first, then lowest preference. Records of a higher order are kept after
// the others, as fallbacks: RFC 3403 §4.1 would stop at the first order
// that matches, but RFC 3263 §4.1 reads order as the server's ranking of
// its transports ("supports TLS over TCP, TCP, and UDP, in that order of
// preference"), so the first targets are exactly the strict rule's choice
// and the rest let a client fail over to another transport the server
// offers. When the first record kept is non-terminal (empty flags) it
// returns the name to ask NAPTR for next instead of services.
func (r *resolution) selectNAPTR(ji int, name string, rrs []NAPTR, expires time.Time) (next string, svcs []service) {
	ns := r.s.naptrs[:0]
	for i := range rrs {
		n := &rrs[i]
		if t, ok := r.usableNAPTR(n); ok {
			ns = append(ns, naptrRec{n, t})
		} else if !r.opts.NoTrace {
			r.note(ji, "skipped NAPTR %s: %s", n.rdata(), r.skipReason(n))
		}
	}
	byOrder := func(a, b naptrRec) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Preference, b.Preference))
	}
	if !slices.IsSortedFunc(ns, byOrder) { // servers often list them in order already
		slices.SortStableFunc(ns, byOrder)
	}
	r.s.naptrs = ns
	svcs = r.s.svcs[:0]
	for _, n := range ns {
		target, ok := r.naptrTarget(ji, name, n.NAPTR)
		if !ok {
			continue
		}
		if n.Flags == "" {
			if len(svcs) == 0 {
				return target, nil
			}
			continue
		}
		if len(svcs) > 0 && n.Order > svcs[0].naptr.Order {
			r.note(ji, "order %d record for %s kept as a fallback after order %d (RFC 3403 §4.1 would stop at the first order; RFC 3263 §4.1 ranks the server's transports by it)",
				n.Order, n.transport, svcs[0].naptr.Order)
		}
		svcs = append(svcs, service{transport: n.transport, flag: upper(n.Flags[0]), name: target, naptr: n.NAPTR, expires: expires})
	}
	r.s.svcs = svcs
	return "", svcs
}

// naptrRec is a NAPTR record kept by selectNAPTR, with the transport of
// its service.
type naptrRec struct {
	*NAPTR
	transport Transport
}

// usableNAPTR reports whether n is a record this client can follow, and
// its service's transport: a SIP service over a transport it supports with
// a terminal flag "S" or "A", or a non-terminal record (empty flags) whose
// service is SIP's or empty.
func (r *resolution) usableNAPTR(n *NAPTR) (Transport, bool) {
	if n.Flags == "" {
		if n.Service == "" {
			return "", true
		}
	} else if len(n.Flags) != 1 || !strings.ContainsRune("SsAa", rune(n.Flags[0])) {
		return "", false // "U", "P" and unknown flags: not for SIP (RFC 3404 §4.3)
	}
	t, ok := serviceTransport(n.Service)
	return t, ok && slices.Contains(r.transports(), t)
}

// naptrTarget returns the next name record n, from the answer of job ji,
// leads to: its regexp applied to name without the trailing dot when the
// regexp field is set, else its replacement. ok is false when the regexp
// does not match or is malformed, or the name is not a host name; a
// malformed one is noted as a failure. A record with both a regexp and a
// replacement is ignored, and the trace says so: RFC 3403 §4.1 calls the
// two "mutually exclusive", such a record "in error", and one that "SHOULD
// be either ignored or an error returned".
func (r *resolution) naptrTarget(ji int, name string, n *NAPTR) (string, bool) {
	hasReplacement := n.Replacement != "" && n.Replacement != "."
	if n.Regexp == "" {
		return n.Replacement, hasReplacement
	}
	if hasReplacement {
		r.note(ji, "ignored NAPTR %s: both a regexp and a replacement (RFC 3403 §4.1: mutually exclusive)", n.rdata())
		return "", false
	}
	out, matched, err := applyNAPTRRegexp(n.Regexp, strings.TrimSuffix(name, "."))
	if err != nil {
		r.fail(&Error{Name: name, Step: "NAPTR", Err: err})
		return "", false
	}
	if !matched {
		return "", false
	}
	if why := checkHostname(strings.TrimSuffix(out, ".")); why != "" {
		r.fail(&Error{Name: name, Step: "NAPTR", Err: &regexpResultError{expr: n.Regexp, out: out, why: why}})
		return "", false
	}
	return fqdn(out), true
}

// regexpResultError says a NAPTR regexp rewrote the name into something
// that is not a host name.
type regexpResultError struct{ expr, out, why string }

func (e *regexpResultError) Error() string {
	return "NAPTR regexp " + quoteString(e.expr) + " gave " + quoteString(e.out) + ": " + e.why
}

func (e *regexpResultError) Unwrap() error { return errBadRegexp }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
