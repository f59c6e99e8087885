package locate

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"
)

// ErrNoTransport means the URI asks for a transport the client does not
// support (Options.Transports), or a sips: URI meets a client without TLS.
var ErrNoTransport = errors.New("no transport in common with the client")

// resolution is the state of one Locate call.
type resolution struct {
	l    *Locator
	cr   CacheResolver // l.Resolver when it has a cache; nil otherwise
	ctx  context.Context
	opts Options
	uri  URI
	// domain is TARGET, fully qualified: the name whose A/AAAA RFC 3263
	// §4.2 falls back to.
	domain string
	res    *Result
	s      *scratch

	failed      error  // the first lookup that failed (not NXDOMAIN/NODATA)
	notFound    error  // the last NXDOMAIN/NODATA
	unavailable error  // an SRV RRset of "." targets
	targetsErr  error  // every target of an SRV RRset without addresses
	srvFound    bool   // an SRV RRset named a target (RFC 3263 §4.2: no A/AAAA fallback then)
	noAnswer    string // "TYPE name" of the first question no DNS server answered; nothing is asked after it
}

// scratch is the working space of a resolution, pooled by the Locator so
// that a cached Locate allocates only what it returns.
type scratch struct {
	r       resolution // lives here so that it does not escape per call
	res     Result     // the targets and trace as they are found
	uri     string     // the last URI parsed, and the result
	parsed  URI
	jobs    []job
	svcs    []service
	hosts   []host
	srvs    []*SRV
	naptrs  []naptrRec
	visited []string
	absent  []*Answer // NXDOMAIN answers of this resolution (RFC 8020)
	fqdn    [2]string // the last domain and its fully qualified form
}

// parse returns uri parsed, from the last call when it is the same URI.
func (s *scratch) parse(uri string) (URI, error) {
	if s.uri == uri && uri != "" {
		return s.parsed, nil
	}
	u, err := ParseURI(uri)
	if err == nil {
		s.uri, s.parsed = uri, u
	}
	return u, err
}

// reset empties s for the next resolution, keeping its slices' storage
// and dropping every reference to this one's answers and caller.
func (s *scratch) reset() {
	s.r = resolution{}
	clear(s.res.Targets)
	clear(s.res.Queries)
	clear(s.jobs)
	clear(s.svcs)
	clear(s.hosts)
	clear(s.srvs)
	clear(s.naptrs)
	clear(s.absent)
	s.res.Targets, s.res.Queries = s.res.Targets[:0], s.res.Queries[:0]
	s.jobs, s.svcs, s.hosts, s.srvs, s.naptrs = s.jobs[:0], s.svcs[:0], s.hosts[:0], s.srvs[:0], s.naptrs[:0]
	s.visited, s.absent = s.visited[:0], s.absent[:0]
}

// fqdnOf returns name with a trailing dot, remembering the last one so that
// locating the same domain again does not allocate.
func (s *scratch) fqdnOf(name string) string {
	if s.fqdn[0] != name {
		s.fqdn = [2]string{name, fqdn(name)}
	}
	return s.fqdn[1]
}

// fqdn returns name with a trailing dot.
func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// run resolves r.uri as Options.Mode and RFC 3263 §4 say.
func (r *resolution) run() error {
	if err := r.checkTransport(); err != nil {
		return err
	}
	if r.opts.Mode == ModeStatic {
		done, err := r.static()
		if done || err != nil {
			return err
		}
	}
	if ip, ok := r.targetIP(); ok {
		// RFC 3263 §4.1, §4.2: a numeric IP address needs no DNS.
		t := r.defaultTransport()
		r.addTarget(&host{transport: t, port: r.port(t)}, ip, time.Time{})
		return r.finish()
	}
	if r.l.Resolver == nil {
		return &Error{Name: r.uri.Target(), Step: string(r.mode()), Err: ErrNoResolver}
	}
	r.domain = r.s.fqdnOf(r.uri.Target())
	r.resolveName(r.domain)
	return r.finish()
}

// resolveName runs the DNS steps for domain, a fully qualified name.
func (r *resolution) resolveName(domain string) {
	u, mode := r.uri, r.mode()
	switch {
	case u.Port != 0 || mode == ModeA:
		// RFC 3263 §4.2: "If the TARGET was not a numeric IP address,
		// but a port is present in the URI, the client performs an A or
		// AAAA record lookup of the domain name" (and the phone's "A
		// Record" mode never asks anything else).
		r.addressOf(domain)
	case u.Transport != "":
		// RFC 3263 §4.1: with a transport parameter, "the client performs
		// an SRV query for that specific transport".
		r.srvThenAddress(domain, []Transport{r.defaultTransport()})
	case mode == ModeSRV:
		r.srvThenAddress(domain, r.transports())
	default:
		used := r.naptr(domain)
		if len(r.res.Targets) == 0 && r.unavailable == nil {
			from := len(r.s.jobs)
			r.srvThenAddress(domain, r.transports())
			if used && from < len(r.s.jobs) {
				r.note(from, "asked although NAPTR records named services: they led to no target (beyond RFC 3263 §4.1, which would stop there)")
			}
		}
	}
}

// mode returns the Options.Mode, ModeNAPTR for the zero value.
func (r *resolution) mode() Mode {
	if r.opts.Mode == "" {
		return ModeNAPTR
	}
	return r.opts.Mode
}

// targetIP returns TARGET as an address when it is a numeric one.
func (r *resolution) targetIP() (netip.Addr, bool) {
	if r.uri.Maddr == "" {
		return r.uri.IP, r.uri.IP.IsValid()
	}
	ip, err := netip.ParseAddr(r.uri.Maddr)
	return ip, err == nil
}

// finish fills the trace and returns the error Locate reports: the
// reason there are no targets, or a failed lookup behind a partial result.
func (r *resolution) finish() error {
	if !r.opts.NoTrace {
		r.trace()
	}
	if len(r.res.Targets) > 0 {
		return r.failed // nil unless the result may be partial
	}
	for _, err := range []error{r.unavailable, r.targetsErr, r.failed, r.notFound} {
		if err != nil {
			return err
		}
	}
	return &Error{Name: r.uri.Target(), Step: string(r.mode()), NotFound: true, Err: ErrNoRecords}
}

// port returns the port to use for transport t without SRV: the URI's,
// or the default (RFC 3263 §4.2).
func (r *resolution) port(t Transport) uint16 {
	if r.uri.Port != 0 {
		return r.uri.Port
	}
	return t.DefaultPort()
}
