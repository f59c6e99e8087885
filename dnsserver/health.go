package dnsserver

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Health checks (issue 12): every SRV record of a _sip._udp, _sip._tcp,
// _sips._tcp or _sip._tls owner names a target that a Prober checks every
// HealthInterval. A target down after HealthFall failures in a row is
// withheld from SRV answers (or demoted) until it passes HealthRise in a
// row. The health view is folded into the precomputed answers when it
// changes (a new snapshot, swapped atomically), never looked up per query.

// Prober checks one target, as `siplocate dns serve --health-check` does
// with SIP OPTIONS. It returns what it saw ("200 OK", "no answer") and an
// error when the target is to be counted down. It must return by ctx's
// deadline. dnsserver does not speak SIP: the caller supplies the prober.
type Prober func(ctx context.Context, t HealthTarget) (outcome string, err error)

// HealthTarget is one SRV target: the transport its owner names, the
// target host and port, and the host's addresses as the zone holds them.
type HealthTarget struct {
	Transport string       // "udp", "tcp" or "tls"
	Host      string       // lower case, fully qualified
	Port      uint16       //
	Addrs     []netip.Addr // the host's A and AAAA records in the zones served; empty when none
	Domain    string       // the SRV owner below _sip._udp etc.: the domain a TLS certificate is checked against (RFC 5922 §4.1)
}

// String returns the target as logs and /health name it: host:port/transport.
func (t HealthTarget) String() string {
	return strings.TrimSuffix(t.Host, ".") + ":" + strconv.Itoa(int(t.Port)) + "/" + t.Transport
}

// The health modes.
const (
	HealthWithhold = "withhold" // down targets left out of SRV answers
	HealthDemote   = "demote"   // down targets kept with priority 65535
)

// Health check defaults.
const (
	DefaultHealthInterval    = 2 * time.Second
	DefaultHealthFall        = 3
	DefaultHealthRise        = 2
	DefaultHealthConcurrency = 64
)

// demotedPriority is the priority demote mode gives a down target: the
// largest, so that clients try it last (RFC 2782: lowest number first).
const demotedPriority = 65535

func (c *Config) healthInterval() time.Duration {
	if c.HealthInterval <= 0 {
		return DefaultHealthInterval
	}
	return c.HealthInterval
}

func (c *Config) healthFall() int {
	if c.HealthFall <= 0 {
		return DefaultHealthFall
	}
	return c.HealthFall
}

func (c *Config) healthRise() int {
	if c.HealthRise <= 0 {
		return DefaultHealthRise
	}
	return c.HealthRise
}

func (c *Config) healthConcurrency() int {
	if c.HealthConcurrency <= 0 {
		return DefaultHealthConcurrency
	}
	return c.HealthConcurrency
}

// checkHealthConfig refuses a mode other than withhold and demote.
func (c *Config) checkHealthConfig() error {
	switch c.HealthMode {
	case "", HealthWithhold, HealthDemote:
		return nil
	}
	return fmt.Errorf("dns server: health mode %q: want %s or %s", c.HealthMode, HealthWithhold, HealthDemote)
}

// ttlCap returns the TTL of a health-checked SRV RRset at most: interval
// × fall, so caches do not keep a dead target longer than detection takes.
func (c *Config) ttlCap() uint32 {
	return uint32((c.healthInterval() * time.Duration(c.healthFall())).Seconds())
}

// targetKey names a target: transport, host and port.
type targetKey struct {
	transport string
	host      string
	port      uint16
}

// srvTransport returns the transport an SRV owner name asks for, or ""
// when the owner is not one of the SIP services checked (RFC 3263 §4.1).
func srvTransport(owner string) string {
	labels := dns.SplitDomainName(strings.ToLower(owner))
	if len(labels) < 2 {
		return ""
	}
	switch labels[0] + "." + labels[1] {
	case "_sip._udp":
		return "udp"
	case "_sip._tcp":
		return "tcp"
	case "_sips._tcp", "_sip._tls":
		return "tls"
	}
	return ""
}

// keyOf returns the target an SRV record names, and false for records of
// other owners and the "." target (no service, RFC 2782).
func keyOf(rr dns.RR) (targetKey, bool) {
	srv, ok := rr.(*dns.SRV)
	if !ok || srv.Target == "." {
		return targetKey{}, false
	}
	tr := srvTransport(srv.Hdr.Name)
	if tr == "" {
		return targetKey{}, false
	}
	return targetKey{transport: tr, host: dns.CanonicalName(srv.Target), port: srv.Port}, true
}
