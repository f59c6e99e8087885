package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Outcome classifies what one probe saw.
type Outcome string

// The outcomes. Only Answered means a SIP server is there.
const (
	Answered       Outcome = "answered"         // a final response, any status
	Unreachable    Outcome = "icmp-unreachable" // ICMP port unreachable on connected UDP
	Refused        Outcome = "tcp-refused"      // the TCP connect was refused (RST to the SYN)
	Reset          Outcome = "tcp-reset"        // the connection was reset or closed before a response
	Silent         Outcome = "silent"           // nothing within the timeout
	TLSHandshake   Outcome = "tls-handshake"    // the TLS handshake failed
	TLSName        Outcome = "tls-name"         // the certificate does not name the SIP domain (RFC 5922 §7.2)
	TLSCertificate Outcome = "tls-certificate"  // the chain does not verify (unknown authority, expired)
	Garbage        Outcome = "garbage"          // bytes that are not a SIP response, or too many of them
	Failed         Outcome = "error"            // anything else: no route, a bad target
)

// Target is one place to probe: a transport ("udp", "tcp" or "tls"), an
// address and port, and the host name the address belongs to (the SRV
// target; it is only reported, never used for the TLS name check).
type Target struct {
	Transport string
	Address   netip.Addr
	Port      uint16
	Host      string
}

// String returns the target as host:port/transport, the address when no
// host is known.
func (t Target) String() string {
	h := t.Host
	if h == "" {
		h = t.Address.String()
	}
	return h + ":" + strconv.Itoa(int(t.Port)) + "/" + t.Transport
}

// Options says how to probe. The zero value probes with DefaultTimeout,
// the system roots and a DefaultMaxResponse cap.
type Options struct {
	Timeout time.Duration // the whole probe; ctx may cut it shorter
	// TLS gives the roots (RootCAs; nil: the system's) and client
	// certificates. Its ServerName is replaced by the SIP domain (SNI, RFC
	// 5922 §4) and verification is done by Probe, per RFC 5922 §7.
	TLS *tls.Config
	// MaxResponse caps the bytes read for one response; more is Garbage.
	MaxResponse int
	// Now is the clock for certificate validity; nil means time.Now.
	Now func() time.Time
}

// Defaults.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultMaxResponse = 64 << 10
	// ExpirySoon is how close to its end a certificate is flagged.
	ExpirySoon = 30 * 24 * time.Hour
)

func (o *Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o *Options) maxResponse() int {
	if o.MaxResponse > 0 {
		return o.MaxResponse
	}
	return DefaultMaxResponse
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Result is what one probe saw.
type Result struct {
	Target  Target
	Outcome Outcome
	Status  int    // the final response's status code; 0 when none
	Reason  string // its reason phrase, control characters replaced
	// RetryAfter is a 503's Retry-After (RFC 3261 §20.33); zero when none.
	RetryAfter time.Duration
	RTT        time.Duration // request sent to final response; 0 when none
	Cert       *Cert         // the server's certificate (TLS only)
	Err        error         // why, when the outcome is not Answered
}

// Up reports whether a SIP server answered (any final response).
func (r Result) Up() bool { return r.Outcome == Answered }

// String says what happened in a few words: "200 OK in 1.2ms", "no
// answer within 2s", "ICMP port unreachable".
func (r Result) String() string {
	switch r.Outcome {
	case Answered:
		s := fmt.Sprintf("%d %s in %.1fms", r.Status, r.Reason, float64(r.RTT.Microseconds())/1000)
		if r.RetryAfter > 0 {
			s += fmt.Sprintf(" (Retry-After %ds)", int(r.RetryAfter.Seconds()))
		}
		return s
	case Silent:
		return "no answer"
	case Unreachable:
		return "ICMP port unreachable"
	case Refused:
		return "TCP connection refused"
	case Reset:
		return "TCP connection reset"
	case "":
		return "not probed" // the zero Result
	}
	if r.Err != nil {
		return r.Err.Error()
	}
	return string(r.Outcome)
}

// Cert is what the TLS name check and chain verification found.
type Cert struct {
	URIs     []string  // subjectAltName URIs
	DNSNames []string  // subjectAltName dNSNames
	NotAfter time.Time //
	// ExpiresSoon reports that NotAfter is within ExpirySoon of the probe.
	ExpiresSoon bool
	// NameOK reports whether the certificate names the SIP domain (§7.2).
	NameOK bool
	// ChainErr is the chain verification's error; nil when it verified.
	ChainErr error
	Leaf     *x509.Certificate
}

// Probe sends one OPTIONS for domain (the Request-URI is sip:domain) to t
// and returns what it saw, by the timeout or ctx's deadline, whichever
// comes first. It never returns with a goroutine or socket left behind.
func Probe(ctx context.Context, t Target, domain string, opts Options) Result {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	p := &prober{t: t, domain: domain, opts: &opts}
	res := p.run(ctx)
	res.Target = t
	return res
}
