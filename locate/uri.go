package locate

import (
	"net/netip"
	"strings"
)

// maxURILen bounds the input ParseURI accepts; SIP URIs in practice are a
// few dozen bytes.
const maxURILen = 2048

// URI is the part of a SIP or SIPS URI (RFC 3261 §19.1.1) that server
// location needs. A bare host, host:port or [IPv6]:port parses as a sip:
// URI without a user part.
type URI struct {
	Secure    bool       // the scheme is sips:
	User      string     // the user part without any password; "" if absent
	Host      string     // lower case, without brackets or trailing dot
	Port      uint16     // 0 when the URI gives none
	Transport Transport  // the transport= parameter; "" when absent
	Maddr     string     // the maddr= parameter, lower case; "" when absent
	IP        netip.Addr // valid when Host is a numeric IPv4 or IPv6 address
}

// Target returns RFC 3263 §4's TARGET: "the value of the maddr parameter
// of the URI, if present, otherwise, the host value of the hostport
// component of the URI".
func (u URI) Target() string {
	if u.Maddr != "" {
		return u.Maddr
	}
	return u.Host
}

// ParseURI parses a sip: or sips: URI, or a bare host, host:port,
// [IPv6]:port or IPv6 address. The scheme and parameter names are case
// insensitive; URI headers (after "?") are ignored. Errors wrap ErrBadURI.
func ParseURI(s string) (URI, error) {
	var u URI
	if len(s) == 0 {
		return u, badURI(s, "empty")
	}
	if len(s) > maxURILen {
		return u, badURI(s[:32]+"...", "longer than 2048 bytes")
	}
	rest := s
	if hasPrefixFold(rest, "sips:") {
		u.Secure, rest = true, rest[len("sips:"):]
	} else if hasPrefixFold(rest, "sip:") {
		rest = rest[len("sip:"):]
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		u.User, rest = userPart(rest[:i]), rest[i+1:]
		if u.User == "" {
			return u, badURI(s, "empty user part before '@'")
		}
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i] // RFC 3261 §19.1.1 headers: not used for location
	}
	hostport, params, _ := strings.Cut(rest, ";")
	if why := u.parseHostPort(hostport); why != "" {
		return u, badURI(s, why)
	}
	if why := u.parseParams(params); why != "" {
		return u, badURI(s, why)
	}
	if u.Secure && u.Transport == UDP {
		// RFC 3261 §26.2.2: a SIPS URI means TLS on every hop, and SIP
		// does not run TLS over UDP.
		return u, badURI(s, "sips: URI with transport=udp")
	}
	return u, nil
}

// userPart returns the user of a userinfo, dropping ":password".
func userPart(userinfo string) string {
	user, _, _ := strings.Cut(userinfo, ":")
	return user
}

// parseHostPort fills Host, IP and Port from hostport (RFC 3261 §25.1
// hostport) and returns why it is malformed, or "".
func (u *URI) parseHostPort(hp string) string {
	var port, why string
	switch {
	case hp == "":
		return "no host"
	case hp[0] == '[':
		port, why = u.parseIPv6Reference(hp)
	case strings.Count(hp, ":") > 1:
		ip, err := netip.ParseAddr(hp) // a bare IPv6 address, no port
		if err != nil || ip.Zone() != "" {
			return "bad host " + hp
		}
		u.Host, u.IP = ip.String(), ip
	default:
		host, _, _ := strings.Cut(hp, ":")
		u.Host, u.IP, why = parseHost(host)
		port = hp[len(host):] // "" or ":port"
	}
	if why != "" || port == "" {
		return why
	}
	n, ok := parsePort(port[1:])
	if !ok {
		return "bad port " + port[1:]
	}
	u.Port = n
	return ""
}

// parseIPv6Reference parses "[v6]" or "[v6]:port" into Host and IP and
// returns the ":port" part.
func (u *URI) parseIPv6Reference(hp string) (port, why string) {
	end := strings.IndexByte(hp, ']')
	if end < 0 {
		return "", "unclosed '[' in IPv6 reference"
	}
	if port = hp[end+1:]; port != "" && port[0] != ':' {
		return "", "junk after IPv6 reference"
	}
	ip, err := netip.ParseAddr(hp[1:end])
	if err != nil || !ip.Is6() || ip.Zone() != "" {
		return "", "bad IPv6 reference " + hp[:end+1]
	}
	u.Host, u.IP = ip.String(), ip
	return port, ""
}

// parseHost checks an IPv4 address or host name (RFC 3261 §25.1) and
// returns it in lower case without a trailing dot.
func parseHost(h string) (string, netip.Addr, string) {
	if looksIPv4(h) {
		if ip, err := netip.ParseAddr(h); err == nil && ip.Is4() {
			return h, ip, ""
		}
	}
	h = strings.TrimSuffix(h, ".")
	if why := checkHostname(h); why != "" {
		return "", netip.Addr{}, why
	}
	return strings.ToLower(h), netip.Addr{}, ""
}

// looksIPv4 reports whether h has only digits and dots, so that parsing
// a host name does not build an error from netip.ParseAddr.
func looksIPv4(h string) bool {
	for i := 0; i < len(h); i++ {
		if (h[i] < '0' || h[i] > '9') && h[i] != '.' {
			return false
		}
	}
	return h != ""
}

// checkHostname returns why h is not a host name (letters, digits, '-'
// and '_' in labels of 1 to 63 bytes, at most 253 bytes), or "".
func checkHostname(h string) string {
	if h == "" {
		return "no host"
	}
	if len(h) > 253 {
		return "host name longer than 253 bytes"
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if label == 0 {
				return "empty label in host " + h
			}
			label = 0
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "bad character " + quoteByte(c) + " in host"
		}
		if label++; label > 63 {
			return "label longer than 63 bytes in host"
		}
	}
	return ""
}

// parseMaddr checks an maddr value: a host name or an IPv4 or IPv6
// address, the latter with or without brackets.
func parseMaddr(v string) (string, string) {
	if ip, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil && ip.Zone() == "" {
		return ip.String(), ""
	}
	h, _, why := parseHost(v)
	return h, why
}

// parsePort parses a decimal port in 1..65535.
func parsePort(s string) (uint16, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	if n == 0 || n > 65535 {
		return 0, false
	}
	return uint16(n), true
}

// parseParams reads the uri-parameters (RFC 3261 §19.1.1) location uses:
// transport and maddr. Others (lr, user, ttl, method, ...) are skipped.
func (u *URI) parseParams(params string) string {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(p, "=")
		switch {
		case strings.EqualFold(name, "transport"):
			t, ok := ParseTransport(value)
			if !ok {
				return "unknown transport " + quoteString(value)
			}
			if u.Transport == "" {
				u.Transport = t
			}
		case strings.EqualFold(name, "maddr"):
			h, why := parseMaddr(value)
			if why != "" {
				return "maddr: " + why
			}
			u.Maddr = h
		case name == "":
			return "empty parameter"
		}
	}
	return ""
}

// ParseTransport returns the Transport named s (case insensitive): udp,
// tcp, tls, sctp, ws or wss (RFC 3261 §19.1.1, RFC 7118 §5.2).
func ParseTransport(s string) (Transport, bool) {
	for _, t := range [...]Transport{UDP, TCP, TLS, SCTP, WS, WSS} {
		if strings.EqualFold(s, string(t)) {
			return t, true
		}
	}
	return "", false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func quoteByte(c byte) string { return quoteString(string(c)) }

func quoteString(s string) string {
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
