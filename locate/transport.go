package locate

import (
	"fmt"
	"slices"
	"strings"
)

// defaultTransports is what a client supports when Options.Transports is
// nil: UDP and TCP, as the phone in the guide.
var defaultTransports = []Transport{UDP, TCP}

// transports returns the transports to try, in the caller's order of
// preference, keeping only TLS ones for a sips: URI (RFC 3263 §4.1: "the
// client MUST discard any service fields that identify non-TLS
// transports"). With Options.Transports nil that is UDP and TCP for sip:
// and TLS for sips:.
func (r *resolution) transports() []Transport {
	ts := r.opts.Transports
	if ts == nil {
		if r.uri.Secure {
			return secureDefault[:]
		}
		return defaultTransports
	}
	if !r.uri.Secure {
		return ts
	}
	if !slices.ContainsFunc(ts, Transport.Secure) {
		return nil
	}
	if slices.IndexFunc(ts, func(t Transport) bool { return !t.Secure() }) < 0 {
		return ts
	}
	var secure []Transport
	for _, t := range ts {
		if t.Secure() {
			secure = append(secure, t)
		}
	}
	return secure
}

var secureDefault = [1]Transport{TLS}

// defaultTransport returns the transport used without NAPTR: the URI's
// transport parameter, else (RFC 3263 §4.1) "TCP for a SIPS URI, and UDP
// for a SIP URI", that is TLS for sips: and UDP for sip: (or the client's
// first transport when it does not support UDP). A sips: URI turns tcp
// into TLS, sctp into TLS over SCTP and ws into WSS.
func (r *resolution) defaultTransport() Transport {
	if t := r.uri.Transport; t != "" {
		if r.uri.Secure {
			return secureOf(t)
		}
		return t
	}
	ts := r.transports()
	switch {
	case r.uri.Secure:
		return TLS
	case len(ts) == 0 || slices.Contains(ts, UDP):
		return UDP
	}
	return ts[0]
}

// secureOf returns the TLS form of t (RFC 3261 §26.2.2, RFC 4168, RFC 7118).
func secureOf(t Transport) Transport {
	switch t {
	case TCP:
		return TLS
	case SCTP:
		return TLSSCTP
	case WS:
		return WSS
	}
	return t
}

// checkTransport fails when the URI names a transport the client does not
// support, or a sips: URI meets a client without any TLS transport.
func (r *resolution) checkTransport() error {
	ts := r.transports()
	if len(ts) == 0 {
		return &Error{Name: r.uri.Target(), Step: "URI", Err: fmt.Errorf("%w: sips: needs tls or wss", ErrNoTransport)}
	}
	if t := r.defaultTransport(); r.uri.Transport != "" && r.opts.Transports != nil && !slices.Contains(ts, t) {
		return &Error{Name: r.uri.Target(), Step: "URI", Err: fmt.Errorf("%w: transport=%s", ErrNoTransport, t)}
	}
	return nil
}

// naptrServices maps the SIP NAPTR service fields (RFC 3263 §4.1, RFC 4168
// §6 for SCTP, RFC 7118 §5.2 for WebSocket) to transports.
var naptrServices = [...]struct {
	service   string
	transport Transport
}{
	{"SIP+D2U", UDP}, {"SIP+D2T", TCP}, {"SIPS+D2T", TLS}, {"SIP+D2S", SCTP},
	{"SIPS+D2S", TLSSCTP}, {"SIP+D2W", WS}, {"SIPS+D2W", WSS},
}

// serviceTransport returns the transport of NAPTR service field s (case
// insensitive, RFC 3403 §4.1), and whether s is one of SIP's.
func serviceTransport(s string) (Transport, bool) {
	for _, n := range naptrServices {
		if s == n.service { // the usual spelling, without case folding
			return n.transport, true
		}
	}
	for _, n := range naptrServices {
		if strings.EqualFold(s, n.service) {
			return n.transport, true
		}
	}
	return "", false
}

// srvPrefix returns the SRV owner prefix for t (RFC 3263 §4.1: "_sip" for
// SIP and "_sips" for SIPS, RFC 2782 "_Service._Proto"); TLS is always
// "_sips._tcp". WS and WSS have no SRV name (RFC 7118 defines none): "".
func srvPrefix(t Transport) string {
	switch t {
	case UDP:
		return "_sip._udp."
	case TCP:
		return "_sip._tcp."
	case TLS:
		return "_sips._tcp."
	case SCTP:
		return "_sip._sctp."
	case TLSSCTP:
		return "_sips._sctp."
	}
	return ""
}
