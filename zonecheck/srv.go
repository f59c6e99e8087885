package zonecheck

import (
	"strings"

	"github.com/miekg/dns"
)

// checkSRV runs the per-record SRV rules of RFC 2782.
func checkSRV(z *zone, fs *findings) {
	for i := range z.records {
		r := &z.records[i]
		srv, ok := r.RR.(*dns.SRV)
		if !ok {
			continue
		}
		checkSRVName(r, srv, fs)
		if srv.Target == "." {
			checkSRVDot(z, r, srv, fs)
			continue
		}
		checkSRVTarget(z, r, srv.Target, fs)
	}
}

// checkSRVName reports an owner that is not _Service._Proto.Name (RFC 2782)
// and a SIPS service over UDP, which does not exist: SIPS needs TLS, and
// the SIP NAPTR registry (RFC 3263 §4.1) has no SIPS+D2U.
func checkSRVName(r *record, srv *dns.SRV, fs *findings) {
	labels := dns.SplitDomainName(strings.ToLower(srv.Hdr.Name))
	if len(labels) < 3 || !strings.HasPrefix(labels[0], "_") || !strings.HasPrefix(labels[1], "_") {
		fs.add(r, Warning, "srv-name", "SRV owner %s is not of the form _service._proto.name (RFC 2782): clients will not look it up", srv.Hdr.Name)
		return
	}
	if labels[0] == "_sips" && labels[1] == "_udp" {
		fs.add(r, Error, "sips-not-tls", "%s: SIPS needs TLS, which SIP does not run over UDP (RFC 3263 §4.1 defines no SIPS+D2U); use _sips._tcp", srv.Hdr.Name)
	}
}

// checkSRVDot reports a target of "." next to other SRV records: RFC 2782
// says "." means the service is decidedly not available at this name,
// which the other records contradict.
func checkSRVDot(z *zone, r *record, srv *dns.SRV, fs *findings) {
	if n := len(z.rrs(srv.Hdr.Name, dns.TypeSRV)); n > 1 {
		fs.add(r, Error, "srv-dot-mixed", "target \".\" says the service is decidedly not available (RFC 2782), but %s has other SRV records (%d)", srv.Hdr.Name, n-1)
	}
}

// checkSRVTarget reports a target that is an alias or has no address
// record. RFC 2782: "There MUST be one or more address records for this
// name, the name MUST NOT be an alias".
func checkSRVTarget(z *zone, r *record, target string, fs *findings) {
	switch z.locate(target) {
	case outOfZone:
		fs.add(r, Warning, "out-of-zone", "target %s is outside the zone %s: its address records were not checked", target, z.apex)
		return
	case delegated:
		fs.add(r, Warning, "out-of-zone", "target %s is below a delegation in %s: its address records were not checked", target, z.apex)
		return
	}
	if z.has(target, dns.TypeCNAME) {
		fs.add(r, Error, "srv-target-cname", "target %s is an alias (CNAME): RFC 2782 says an SRV target MUST NOT be an alias; point at the canonical name", target)
		return
	}
	if !z.hasAddress(target) {
		fs.add(r, Error, "srv-target-no-address", "target %s has no A or AAAA record in the zone: RFC 2782 says there MUST be one or more address records for it", target)
	}
}

// checkSRVSets reports, for each SRV RRset and priority, a mix of weight 0
// and non-zero weights. RFC 2782 asks for weight 0 only "when there isn't
// any server selection to do"; next to non-zero weights, weight-0 targets
// get a very small chance of selection, which is rarely what was meant.
func checkSRVSets(z *zone, fs *findings) {
	done := map[string]bool{}
	for i := range z.records {
		h := z.records[i].RR.Header()
		if h.Rrtype != dns.TypeSRV {
			continue
		}
		name := strings.ToLower(h.Name)
		if done[name] {
			continue
		}
		done[name] = true
		byPrio := map[uint16][]*record{}
		for _, r := range z.rrs(name, dns.TypeSRV) {
			p := r.RR.(*dns.SRV).Priority
			byPrio[p] = append(byPrio[p], r)
		}
		for prio, rs := range byPrio {
			checkWeights(prio, rs, fs)
		}
	}
}

// checkWeights reports the weight-0 records of one priority when some
// other record there has a non-zero weight.
func checkWeights(prio uint16, rs []*record, fs *findings) {
	var zero []*record
	for _, r := range rs {
		if r.RR.(*dns.SRV).Weight == 0 {
			zero = append(zero, r)
		}
	}
	if len(zero) == len(rs) {
		return
	}
	for _, r := range zero {
		fs.add(r, Warning, "srv-weight-zero-mix", "weight 0 at priority %d next to non-zero weights: this target gets a very small chance of selection (RFC 2782); give it a weight or its own priority", prio)
	}
}
