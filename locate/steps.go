package locate

import (
	"net/netip"
	"strings"
	"time"
)

// service is one way to reach the domain found by NAPTR, or one transport
// tried by SRV without NAPTR: an SRV name to look up ('S') or a host whose
// addresses to look up ('A').
type service struct {
	transport Transport
	flag      byte   // 'S' or 'A', as the NAPTR flags (RFC 3404 §4.3)
	name      string // fully qualified
	naptr     *NAPTR
	expires   time.Time
	job       int
}

// host is a name whose addresses become targets, with where it came from.
type host struct {
	transport Transport
	name      string // fully qualified
	port      uint16
	prio      uint16
	weight    uint16
	expires   time.Time
	naptr     *NAPTR
	srv       *SRV
	srvJob    int    // the SRV lookup srv came from, for its notes
	jobs      [2]int // address lookups in family order; -1 for none
}

// srvThenAddress queries SRV for each transport in ts (RFC 3263 §4.1: "the
// client constructs SRV queries for those transport protocols it
// supports, and does a query for each"), in parallel, and takes the
// targets in the order of ts. When no SRV record was found it falls back
// to A/AAAA of domain with the default transport and port (RFC 3263 §4.2:
// "If no SRV records were found, the client performs an A or AAAA record
// lookup of the domain name"); not when the SRV records said "." (RFC
// 2782), nor when SRV records were found but their targets have no
// addresses: the domain's own address is then no SIP server's.
func (r *resolution) srvThenAddress(domain string, ts []Transport) {
	svcs := r.s.svcs[:0]
	for _, t := range ts {
		if p := srvPrefix(t); p != "" && !r.asked(p+domain, TypeSRV) {
			svcs = append(svcs, service{transport: t, flag: 'S', name: p + domain})
		}
	}
	r.s.svcs = svcs
	r.services(svcs)
	if len(r.res.Targets) == 0 && r.unavailable == nil && !r.srvFound && !r.asked(domain, r.families()[0]) {
		r.addressOf(domain)
	}
}

// asked reports whether this resolution asked (name, qtype) already: after
// NAPTR records that led nowhere, the SRV step does not ask again what
// they did.
func (r *resolution) asked(name string, qtype Type) bool {
	for i := range r.s.jobs {
		if j := &r.s.jobs[i]; j.qtype == qtype && strings.EqualFold(j.name, name) {
			return true
		}
	}
	return false
}

// addressOf looks up domain's addresses for the default transport and the
// URI's port or the default one (RFC 3263 §4.2).
func (r *resolution) addressOf(domain string) {
	t := r.defaultTransport()
	r.s.hosts = append(r.s.hosts[:0], host{transport: t, name: domain, port: r.port(t)})
	r.addresses(r.s.hosts)
}

// services looks up the SRV records of svcs in parallel, orders each
// RRset (RFC 2782) and then looks up the addresses of every target.
func (r *resolution) services(svcs []service) {
	from := len(r.s.jobs)
	for i := range svcs {
		if svcs[i].flag == 'S' {
			svcs[i].job = r.addJob(from, svcs[i].name, TypeSRV)
		}
	}
	r.lookupAll(from)
	hosts := r.s.hosts[:0]
	for i := range svcs {
		hosts = r.hostsOf(hosts, &svcs[i])
	}
	r.s.hosts = hosts
	r.addresses(hosts)
}

// hostsOf appends the hosts service sv leads to: its SRV targets in RFC
// 2782 order, or for an 'A' service the name itself on the default port.
func (r *resolution) hostsOf(hosts []host, sv *service) []host {
	if sv.flag == 'A' {
		return append(hosts, host{transport: sv.transport, name: sv.name, port: sv.transport.DefaultPort(),
			expires: sv.expires, naptr: sv.naptr})
	}
	a, ok := r.answer(sv.job)
	if !ok {
		if sv.naptr != nil && r.noRecords(sv.job) {
			return append(hosts, r.domainHost(sv))
		}
		return hosts
	}
	if decidedlyUnavailable(a.SRV) {
		r.note(sv.job, `every target is ".": the service is decidedly not available (RFC 2782); no address fallback`)
		r.unavailable = &Error{Name: sv.name, Step: "SRV", Server: a.Server, NotFound: true, Err: ErrNotAvailable}
		return hosts
	}
	srvs := r.s.srvs[:0]
	for i := range a.SRV {
		switch s := &a.SRV[i]; {
		case s.Target == ".":
			r.note(sv.job, `skipped SRV %d %d %d .: target "." among other targets (RFC 2782)`, s.Priority, s.Weight, s.Port)
		default:
			srvs = append(srvs, s)
		}
	}
	r.srvFound = r.srvFound || len(srvs) > 0
	r.l.orderSRV(srvs)
	for _, s := range srvs {
		hosts = append(hosts, host{transport: sv.transport, name: s.Target, port: s.Port, prio: s.Priority,
			weight: s.Weight, expires: earliest(sv.expires, a.Expires), naptr: sv.naptr, srv: s, srvJob: sv.job})
	}
	r.s.srvs = srvs[:0]
	return hosts
}

// noRecords reports whether job i's answer was NXDOMAIN or NODATA.
func (r *resolution) noRecords(i int) bool {
	j := &r.s.jobs[i]
	return j.err == nil && j.ans != nil && j.ans.NotFound()
}

// domainHost returns the host to use when the SRV name a NAPTR record
// chose has no SRV records: RFC 3263 §4.2, "If no SRV records were found,
// the client performs an A or AAAA record lookup of the domain name",
// each address "contacted using the transport protocol determined
// previously, at the default port for that transport".
func (r *resolution) domainHost(sv *service) host {
	p := sv.transport.DefaultPort()
	r.note(sv.job, "no SRV records: A/AAAA of %s over %s on port %d instead (RFC 3263 §4.2)%s", r.domain, sv.transport, p, dotHint(sv.name))
	return host{transport: sv.transport, name: r.domain, port: p, expires: sv.expires, naptr: sv.naptr}
}

// addresses looks up A and/or AAAA (Options.Family) for every host, all
// in parallel, and appends the targets in host order.
func (r *resolution) addresses(hosts []host) {
	from := len(r.s.jobs)
	types := r.families()
	for i := range hosts {
		hosts[i].jobs = [2]int{-1, -1}
		for k, qt := range types {
			hosts[i].jobs[k] = r.addJob(from, hosts[i].name, qt)
		}
	}
	r.lookupAll(from)
	for i := range hosts {
		for _, ji := range hosts[i].jobs {
			if ji < 0 {
				continue
			}
			if a, ok := r.answer(ji); ok {
				r.explainAlias(&hosts[i], ji, a.CNAMEs)
				r.addressTargets(&hosts[i], a, ji)
			}
		}
	}
	r.explainDropped(hosts)
}

// families returns the address types to ask for, in order.
func (r *resolution) families() []Type {
	switch r.opts.Family {
	case PreferIPv6:
		return familyOrder[1:3]
	case IPv4Only:
		return familyOrder[0:1]
	case IPv6Only:
		return familyOrder[1:2]
	}
	return familyOrder[0:2]
}

var familyOrder = [3]Type{TypeA, TypeAAAA, TypeA}

// addressTargets appends a target for each address record in a, the
// answer of job ji.
func (r *resolution) addressTargets(h *host, a *Answer, ji int) {
	expires := earliest(h.expires, a.Expires)
	for i := range a.Addrs {
		ip := a.Addrs[i].IP
		if !ip.IsValid() {
			continue
		}
		if r.haveTarget(h, ip) {
			r.note(ji, "%s port %d over %s is a target already: kept once", ip.Unmap(), h.port, h.transport)
			continue
		}
		t := r.addTarget(h, ip, expires)
		if !r.opts.NoTrace {
			t.Records = r.records(h, a, &a.Addrs[i])
		}
	}
}

// haveTarget reports whether a target with h's transport and port and
// address ip is already in the list: RFC 2181 §5 forbids duplicate records
// in an RRset, and two SRV records may name the same host; a client gains
// nothing from trying one place twice.
func (r *resolution) haveTarget(h *host, ip netip.Addr) bool {
	ip = ip.Unmap()
	for i := range r.res.Targets {
		if t := &r.res.Targets[i]; t.Port == h.port && t.Addr == ip && t.Transport == h.transport {
			return true
		}
	}
	return false
}

// addTarget appends the target for address ip of h, whose records expire
// at expires (zero for an address that came without DNS), and returns it.
func (r *resolution) addTarget(h *host, ip netip.Addr, expires time.Time) *Target {
	name := h.name
	if n := len(name); n > 0 && name[n-1] == '.' {
		name = name[:n-1]
	}
	r.res.Targets = append(r.res.Targets, Target{Transport: h.transport, Addr: ip.Unmap(), Port: h.port, Host: name,
		Priority: h.prio, Weight: h.weight, Expires: expires})
	return &r.res.Targets[len(r.res.Targets)-1]
}

// records returns the zone text of the records that led to a target.
func (r *resolution) records(h *host, a *Answer, addr *Addr) []string {
	out := make([]string, 0, 3+len(a.CNAMEs))
	if h.naptr != nil {
		out = append(out, h.naptr.String())
	}
	if h.srv != nil {
		out = append(out, h.srv.String())
	}
	for i := range a.CNAMEs {
		out = append(out, a.CNAMEs[i].String())
	}
	return append(out, addr.String())
}

// earliest returns the earlier of two expiry times, a zero time counting
// as "never".
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
