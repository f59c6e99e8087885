package locate

import (
	"fmt"
	"strings"
)

// This file explains the resolution's choices: the notes of the trace
// (Query.Notes) and the error that names why nothing was found (issue 9).

// dropReason returns why host h gave no address, from its address
// lookups: "" when one answered with records or a lookup failed (a failure
// is reported as such, not as a dropped target).
func (r *resolution) dropReason(h *host) (why string, nxdomain bool) {
	asked, nx := 0, true
	for _, ji := range h.jobs {
		if ji < 0 {
			continue
		}
		j := &r.s.jobs[ji]
		if j.err != nil || j.ans == nil || !j.ans.NotFound() {
			return "", false
		}
		asked++
		nx = nx && j.ans.NXDOMAIN
	}
	switch {
	case asked == 0:
		return "", false
	case nx:
		return "does not exist (NXDOMAIN)", true
	case asked == 2:
		return "no " + r.s.jobs[h.jobs[0]].qtype.String() + " or " + r.s.jobs[h.jobs[1]].qtype.String() + " records", false
	}
	return "no " + r.s.jobs[h.jobs[0]].qtype.String() + " records", false
}

// explainDropped notes, on each SRV lookup, the targets that gave no
// address and why, and when every target of one SRV RRset was dropped so,
// keeps the error that says it (RFC 3263 §4.2 then allows no fallback).
func (r *resolution) explainDropped(hosts []host) {
	for i := 0; i < len(hosts); {
		j := i + 1
		for j < len(hosts) && hosts[j].srv != nil && hosts[j].srvJob == hosts[i].srvJob {
			j++
		}
		if hosts[i].srv != nil {
			r.explainRRset(hosts[i:j])
		}
		i = j
	}
}

// explainRRset explains the dropped targets of hosts, the targets of one
// SRV RRset.
func (r *resolution) explainRRset(hosts []host) {
	dropped, nx := 0, 0
	for i := range hosts {
		h := &hosts[i]
		why, isNX := r.dropReason(h)
		if why == "" {
			continue
		}
		dropped++
		if isNX {
			nx++
		}
		r.note(h.srvJob, "dropped target %s (SRV %d %d %d): %s%s", h.name, h.prio, h.weight, h.port, why, dotHint(h.name))
	}
	if dropped == len(hosts) && r.targetsErr == nil {
		j := &r.s.jobs[hosts[0].srvJob]
		cause := ErrNoRecords
		if nx == dropped {
			cause = ErrNXDOMAIN
		}
		r.targetsErr = &Error{Name: j.name, Step: "SRV", Server: j.ans.Server, NotFound: true,
			Err: &targetsError{owner: j.name, n: dropped, nx: nx, cause: cause}}
	}
}

// targetsError says that every target of an SRV RRset was dropped.
type targetsError struct {
	owner string
	n, nx int // targets, and how many of them do not exist
	cause error
}

func (e *targetsError) Error() string {
	why := "have no address records"
	switch {
	case e.nx == e.n && e.n == 1:
		why = "does not exist (NXDOMAIN)"
	case e.nx == e.n:
		why = "do not exist (NXDOMAIN)"
	case e.n == 1:
		why = "has no address records"
	case e.nx > 0:
		why = "have no address records or do not exist"
	}
	if e.n == 1 {
		return "the only SRV target of " + e.owner + " " + why
	}
	return fmt.Sprintf("all %d SRV targets of %s %s", e.n, e.owner, why)
}

func (e *targetsError) Unwrap() error { return e.cause }

// dotHint returns a hint for a name that looks like a zone file's name
// written without its trailing dot, so that the origin was appended
// ("sip1.example.com.example.com."); "" otherwise.
func dotHint(name string) string {
	if meant := missingTrailingDot(name); meant != "" {
		return fmt.Sprintf("; %s looks like a zone file's name without its trailing dot (%s meant?)", name, meant)
	}
	return ""
}

// missingTrailingDot returns the name meant when name ends with the same
// two or more labels twice ("x.example.com.example.com." gives
// "x.example.com."), the mark of a relative name in a zone file that
// should have been absolute; "" otherwise.
func missingTrailingDot(name string) string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	n := len(labels)
	for k := 2; 2*k <= n; k++ {
		if strings.EqualFold(strings.Join(labels[n-k:], "."), strings.Join(labels[n-2*k:n-k], ".")) {
			return strings.Join(labels[:n-k], ".") + "."
		}
	}
	return ""
}

// explainAlias notes that SRV target h answered job ji through a CNAME:
// RFC 2782 says the target "MUST NOT be an alias"; the address is used
// anyway, as other SIP stacks and resolvers do.
func (r *resolution) explainAlias(h *host, ji int, cnames []CNAME) {
	if h.srv == nil || len(cnames) == 0 || r.opts.NoTrace {
		return
	}
	r.note(ji, "SRV target %s is an alias (CNAME to %s), which RFC 2782 says it MUST NOT be; used anyway",
		h.name, cnames[len(cnames)-1].Target)
}

// skipReason returns why NAPTR record n is not for this client.
func (r *resolution) skipReason(n *NAPTR) string {
	if n.Flags != "" && (len(n.Flags) != 1 || !strings.ContainsRune("SsAa", rune(n.Flags[0]))) {
		return fmt.Sprintf("flags %q are not SIP's (RFC 3404 §4.3)", n.Flags)
	}
	return fmt.Sprintf("service %q is not one of the client's transports %v", n.Service, r.transports())
}
