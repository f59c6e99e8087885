package locate

import (
	"net/netip"
	"strings"
	"time"
)

// static fills the targets for ModeStatic, the phone's "Use Configured
// IP": when the SIP server is a numeric IP it is used as is; otherwise
// PrimaryIP then BackupIPs are used without DNS. With no IP configured it
// returns done false and the caller locates the name with DNS as
// ModeNAPTR does, since there is nothing else to try. A configured value
// that is not "ip" or "ip:port" ("[v6]:port" for IPv6) fails with an
// error wrapping ErrBadURI.
func (r *resolution) static() (done bool, err error) {
	if _, ok := r.targetIP(); ok {
		return false, nil // run() uses the IP as is
	}
	if r.opts.PrimaryIP == "" && len(r.opts.BackupIPs) == 0 {
		r.opts.Mode = ModeNAPTR
		return false, nil
	}
	t := r.defaultTransport()
	for i, s := range append([]string{r.opts.PrimaryIP}, r.opts.BackupIPs...) {
		if s == "" && i == 0 {
			continue
		}
		ap, err := parseStaticIP(s, r.port(t))
		if err != nil {
			return true, &Error{Name: s, Step: "static", Err: err}
		}
		r.addTarget(&host{transport: t, port: ap.Port()}, ap.Addr(), time.Time{})
	}
	return true, r.finish()
}

// parseStaticIP parses "ip", "ip:port" or "[ipv6]:port"; port is used
// when s has none.
func parseStaticIP(s string, port uint16) (netip.AddrPort, error) {
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil && ip.Zone() == "" {
		return netip.AddrPortFrom(ip, port), nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Port() != 0 && ap.Addr().Zone() == "" {
		return ap, nil
	}
	return netip.AddrPort{}, &uriError{why: "configured IP " + quoteString(strings.TrimSpace(s)) + " is not ip or ip:port"}
}
