package locate

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Transport is a SIP transport, named as in the Via header's lower-case form.
type Transport string

// The transports RFC 3263 and RFC 7118 know. UDP, TCP and TLS are what the
// rest of siplocate speaks; SCTP, WS and WSS are recognised so that NAPTR
// records for them are understood (and skipped unless asked for).
const (
	UDP  Transport = "udp"
	TCP  Transport = "tcp"
	TLS  Transport = "tls"
	SCTP Transport = "sctp"
	WS   Transport = "ws"
	WSS  Transport = "wss"
)

// Mode is how a server is located, named as the phone names its "DNS Mode".
type Mode string

const (
	// ModeNAPTR is RFC 3263 in full: NAPTR, then SRV, then A/AAAA
	// (the phone's "NAPTR/SRV"). It is the default.
	ModeNAPTR Mode = "naptr"
	// ModeSRV skips NAPTR: SRV for each supported transport, then A/AAAA.
	ModeSRV Mode = "srv"
	// ModeA asks for address records only (the phone's "A Record").
	ModeA Mode = "a"
	// ModeStatic uses the configured primary and backup IPs without DNS
	// (the phone's "Use Configured IP").
	ModeStatic Mode = "static"
)

// Family says which address families to return and in which order.
type Family int

const (
	AnyFamily  Family = iota // IPv4 and IPv6, IPv4 first for each host
	PreferIPv6               // IPv4 and IPv6, IPv6 first for each host
	IPv4Only
	IPv6Only
)

// Options says how to locate a server.
type Options struct {
	Mode       Mode        // zero value: ModeNAPTR
	Transports []Transport // what the client supports; nil: UDP and TCP
	Family     Family
	// PrimaryIP and BackupIPs are used by ModeStatic: "ip" or "ip:port".
	PrimaryIP string
	BackupIPs []string
	// NoTrace leaves Result.Queries and Target.Records empty: no zone
	// text is formatted, which is most of a cached Locate's cost. For
	// callers that only need the targets (fail-over, registration).
	NoTrace bool
}

// Target is one place to send a request: a transport, an address and a port,
// with where it came from. Targets are returned in the order to try them.
type Target struct {
	Transport Transport
	Addr      netip.Addr
	Port      uint16
	Priority  uint16 // SRV priority; 0 when no SRV was involved
	Weight    uint16 // SRV weight; 0 when no SRV was involved
	Host      string // the host name the address belongs to (SRV target or the domain)
	// Expires is the earliest expiry of the DNS records that led to this
	// target (NAPTR, SRV, A/AAAA); zero when no DNS was involved (numeric
	// host, ModeStatic IPs).
	Expires time.Time
	// Records are the DNS records, in zone-file text, that led to this target.
	Records []string
}

// AddrPort returns the target's address and port together.
func (t Target) AddrPort() netip.AddrPort { return netip.AddrPortFrom(t.Addr, t.Port) }

// String returns the target as the CLI, the demo and the logs show it:
// "udp 192.0.2.1:5060 (sip1.example.com)", without the host when there is
// none or it is the address itself. A host with octets outside printable
// ASCII is quoted, so that no control character reaches a terminal raw.
func (t Target) String() string {
	s := string(t.Transport) + " " + t.AddrPort().String()
	if t.Host == "" || t.Host == t.Addr.String() {
		return s
	}
	host := t.Host
	if strings.IndexFunc(host, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
		host = strconv.QuoteToASCII(host)
	}
	return s + " (" + host + ")"
}

// Query is one DNS question asked (or answered from the cache) while locating.
type Query struct {
	Name    string
	Type    string        // "NAPTR", "SRV", "A", "AAAA"
	Rcode   string        // "NOERROR", "NXDOMAIN", "SERVFAIL", ... or "" on a network error
	Answers []string      // the answer records in zone-file text
	TTL     time.Duration // time the answer had left to live when it came
	RTT     time.Duration
	Cached  bool
	Server  string
	Err     string // set when the query failed (timeout, all servers refused, ...)
	// Inferred is set when the question was not asked because an earlier
	// answer settled it: it names the name found not to exist (NXDOMAIN)
	// that Name is or lies under (RFC 2308 §5, RFC 8020 §2). Rcode is
	// then NXDOMAIN and TTL that answer's.
	Inferred string
	// Notes explain what the resolution made of this answer: records
	// ignored, targets dropped and why, steps beyond the RFC, hints.
	Notes []string
}

// Result is the outcome of locating one URI.
type Result struct {
	Targets []Target
	Queries []Query // empty when Options.NoTrace is set
}

// TLSSCTP is TLS over SCTP (RFC 4168), the transport of NAPTR service
// SIPS+D2S; recognised and skipped unless asked for.
const TLSSCTP Transport = "tls-sctp"

// Secure reports whether t runs over TLS, as a sips: URI requires
// (RFC 3261 §26.2.2).
func (t Transport) Secure() bool { return t == TLS || t == WSS || t == TLSSCTP }

// DefaultPort returns the port RFC 3263 §4.2 uses when neither the URI nor
// an SRV record gives one: 5061 for TLS (RFC 3261 §19.1.2), 5060
// otherwise; 443 and 80 for WSS and WS (RFC 7118 §5.2).
func (t Transport) DefaultPort() uint16 {
	switch t {
	case TLS, TLSSCTP:
		return 5061
	case WSS:
		return 443
	case WS:
		return 80
	}
	return 5060
}
