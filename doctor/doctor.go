package doctor

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/probe"
)

// Severity says how bad a finding is.
type Severity int

// The severities, least first.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	return [...]string{"info", "warning", "error"}[s]
}

// Area groups findings as the text output does: DNS, then targets, then TLS.
type Area int

// The areas, in the order printed.
const (
	AreaDNS Area = iota
	AreaTarget
	AreaTLS
)

// Finding is one thing the doctor found.
type Finding struct {
	Severity Severity
	ID       string // stable: zonecheck's rule ids for the rules of `dns check`, the ids below for the rest
	Area     Area
	Subject  string // a record, a target (host:port/transport) or a server
	Message  string // what is wrong and what to change
	RFC      string // "RFC 2782", "RFC 5922 §7.2"; empty when none applies
}

// String returns the finding on one line.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s: %s", f.Severity, f.ID, f.Subject, f.Message)
}

// Config says how to check. Resolver is required.
type Config struct {
	// Resolver answers the RFC 3263 chain (locatedns over a dnsclient in
	// production, locatetest in tests).
	Resolver locate.Resolver
	// Servers are the name servers (host:port) that Resolver asks; the
	// checks on the wire (truncation without EDNS, the zone's name
	// servers) ask them directly. Empty: those checks are skipped.
	Servers []string
	// NSPort is the port of the zone's name servers (53 when zero; tests
	// move it).
	NSPort uint16
	// Transports to locate and probe; nil: UDP, TCP and TLS.
	Transports []locate.Transport
	// Timeout bounds each probe (probe.DefaultTimeout when zero). Probes
	// run in parallel, so a check takes about one.
	Timeout time.Duration
	// DNSTimeout bounds each wire query (the 512-byte and name server
	// checks); Timeout when zero. The Resolver has its own.
	DNSTimeout time.Duration
	// TLS gives the roots for the certificate check (nil: the system's).
	TLS *tls.Config
	// Expiry is the registration expiry a phone would use (3600 s when
	// zero), against which the TTLs are weighed.
	Expiry time.Duration
	// Now is the clock for certificates; nil means time.Now.
	Now func() time.Time
}

func (c *Config) timeout() time.Duration    { return cmp.Or(c.Timeout, probe.DefaultTimeout) }
func (c *Config) dnsTimeout() time.Duration { return cmp.Or(c.DNSTimeout, c.timeout()) }
func (c *Config) expiry() time.Duration     { return cmp.Or(c.Expiry, time.Hour) }
func (c *Config) nsPort() uint16            { return cmp.Or(c.NSPort, 53) }

func (c *Config) transports() []locate.Transport {
	if c.Transports == nil {
		return []locate.Transport{locate.UDP, locate.TCP, locate.TLS}
	}
	return c.Transports
}

// Report is the result of one check.
type Report struct {
	Domain   string // the SIP domain checked, as certificates must name it
	Findings []Finding
	Queries  []locate.Query
	Targets  []locate.Target
	Probes   []probe.Result // one per target, in the same order
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Check checks uri (a SIP URI or a domain). The error is for input it
// cannot check (a bad URI: wraps locate.ErrBadURI) and for DNS that did
// not answer at all (wraps locate.ErrNoDNSAnswer); the report is then
// still filled in as far as it got.
func Check(ctx context.Context, uri string, cfg Config) (*Report, error) {
	if cfg.Resolver == nil {
		return nil, errors.New("doctor: no Resolver")
	}
	u, err := locate.ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("doctor %s: %w", uri, err)
	}
	rep := &Report{Domain: u.Host}
	l := &locate.Locator{Resolver: cfg.Resolver}
	res, lerr := l.Locate(ctx, uri, locate.Options{Transports: cfg.transports()})
	if res != nil {
		rep.Queries, rep.Targets = res.Queries, res.Targets
	}
	c := &checker{cfg: &cfg, rep: rep, uri: u}
	if len(rep.Targets) == 0 && errors.Is(lerr, locate.ErrNoDNSAnswer) {
		c.add(Error, "dns-no-answer", AreaDNS, "DNS", "no name server answered: "+lerr.Error(), "RFC 3263 §4")
		return rep, fmt.Errorf("doctor %s: %w", uri, lerr)
	}
	if lerr != nil {
		c.add(Error, "no-targets", AreaDNS, u.Host, "a client finds no server to send to: "+lerr.Error(), "RFC 3263 §4")
	}
	c.dns()
	wire := &checker{cfg: &cfg, rep: &Report{Domain: rep.Domain, Queries: rep.Queries}, uri: u}
	var wg sync.WaitGroup
	wg.Go(func() { wire.wire(ctx) }) // beside the probes: the run takes about one timeout
	c.targets(ctx)
	wg.Wait()
	rep.Findings = append(rep.Findings, wire.rep.Findings...)
	c.sort()
	return rep, nil
}

// checker carries one check.
type checker struct {
	cfg *Config
	rep *Report
	uri locate.URI
}

func (c *checker) add(sev Severity, id string, area Area, subject, msg, rfc string) {
	c.rep.Findings = append(c.rep.Findings, Finding{Severity: sev, ID: id, Area: area, Subject: subject, Message: msg, RFC: rfc})
}

// sort orders findings by area, then severity (worst first), keeping the
// order found within.
func (c *checker) sort() {
	slices.SortStableFunc(c.rep.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Area, b.Area), cmp.Compare(b.Severity, a.Severity))
	})
}

func (c *checker) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}
