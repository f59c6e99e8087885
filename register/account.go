package register

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// Account is one SIP account to keep registered. The zero values of the
// optional fields are the phone's defaults.
type Account struct {
	// Name labels the account in events, logs and metrics; default: the AOR.
	Name string
	// AOR is the address of record, "sip:alice@example.com" (To and From).
	AOR string
	// AuthUser is the digest user name; default: the AOR's user part.
	AuthUser string
	Password string
	// Server is the SIP server (the phone's "SIP Server"): a domain, or an
	// IP address with an optional port. It is the Request-URI's host.
	Server string
	// OutboundProxy, when set, is what gets located instead of Server
	// (the phone's "Outbound Proxy"); the Request-URI stays Server.
	OutboundProxy string
	// Transports the account may use, in the locator's preference;
	// nil: UDP and TCP.
	Transports []locate.Transport
	// DNSMode is the phone's "DNS Mode"; default NAPTR.
	DNSMode locate.Mode
	// FailoverMode is the phone's "DNS SRV Fail-over Mode"; default
	// failover.Default. DNSMode static implies failover.Static.
	FailoverMode failover.Mode
	// PrimaryIP and BackupIPs are used by DNSMode static ("ip" or "ip:port")
	// when Server is a domain; with another DNSMode, or an IP as Server,
	// they are an error.
	PrimaryIP string
	BackupIPs []string
	Family    locate.Family

	// Expires is the registration expiry asked for (the phone's "Register
	// Expiration"); default 3600 s.
	Expires time.Duration
	// RefreshMargin is how long before the granted expiry the registration
	// is refreshed at the latest; default a tenth of the granted expiry
	// (refresh by 90%). It is capped at half the granted expiry. Each
	// refresh goes out at a random moment in the 15% of the expiry before
	// that (from 75% by default), so accounts spread out.
	RefreshMargin time.Duration
	// Contact is the user part of the Contact URI; default the AOR's user.
	// Its host and port are the local address of the connection to the
	// target, or ContactHost.
	Contact string
	// Bind is the local address of the account's sockets and connections
	// for every transport, "ip" or "ip:port", in their Via and Contact;
	// default any address and a port of the system's choosing.
	Bind string
	// ContactHost, "host" or "host:port", replaces the Contact's host (and
	// port, when given): a public address the registrar should reach
	// behind NAT.
	ContactHost string

	// MaxTries is how many unanswered attempts a target gets before the
	// next one (RFC 3263 §4.3; the phone's 3); default 3.
	MaxTries int
	// AttemptTimeout bounds one attempt: one REGISTER transaction with its
	// UDP retransmissions (every T1 doubling, sipgo's T1 of 500 ms);
	// default 4 s. RFC 3261's Timer F (64*T1 = 32 s) is the upper bound.
	AttemptTimeout time.Duration
	// Probe, when not zero, sends SIP OPTIONS to the current target and to
	// the better ones this often, so a dead server is noticed before the
	// registration runs out and a better one is taken back at once.
	Probe time.Duration
	// ProbeTimeout bounds one probe; default a quarter of Probe, at most
	// 1 s: a silent server is then noticed within 1.25 probe intervals.
	ProbeTimeout time.Duration
}

// Default values.
const (
	DefaultExpires        = 3600 * time.Second
	DefaultAttemptTimeout = 4 * time.Second
	maxProbeTimeout       = time.Second
	// maxExpires is the largest Expires value (RFC 3261 §20.19: up to 2**32-1 seconds).
	maxExpires = (1<<32 - 1) * time.Second
	// minProbe bounds how often probes go out: a typo such as "2ns" must
	// not turn into a busy loop of OPTIONS.
	minProbe = 100 * time.Millisecond
)

func (a *Account) name() string {
	if a.Name != "" {
		return a.Name
	}
	return a.AOR
}

func (a *Account) expires() time.Duration {
	if a.Expires > 0 {
		return a.Expires
	}
	return DefaultExpires
}

func (a *Account) attemptTimeout() time.Duration {
	if a.AttemptTimeout > 0 {
		return a.AttemptTimeout
	}
	return DefaultAttemptTimeout
}

func (a *Account) probeTimeout() time.Duration {
	if a.ProbeTimeout > 0 {
		return a.ProbeTimeout
	}
	return min(a.Probe/4, maxProbeTimeout)
}

func (a *Account) failoverMode() failover.Mode {
	if a.DNSMode == locate.ModeStatic {
		return failover.Static
	}
	if a.FailoverMode == "" {
		return failover.Default
	}
	return a.FailoverMode
}

// refreshWindow returns the earliest and the latest time after a
// registration granted for granted that its refresh may go out: the
// latest is granted minus the margin (RFC 3261 §10.2.4 leaves the choice
// to the UA; default 90%), the earliest 15% of granted before that, never
// before half of it. The agent picks a moment in between at random, so
// that accounts registered together do not refresh together (issue 8:
// one 5 s fault at the registrar then hit every one of them).
func (a *Account) refreshWindow(granted time.Duration) (earliest, latest time.Duration) {
	margin := a.RefreshMargin
	if margin <= 0 {
		margin = granted / 10
	}
	latest = granted - min(margin, granted/2)
	earliest = max(latest-granted*refreshJitter/100, granted/2)
	return earliest, latest
}

// refreshJitter is the width of the refresh window, in percent of the
// granted expiry: with the default margin, refreshes fall between 75% and
// 90% of it, like Kamailio's uac (reg_random_delay) and Asterisk
// (max_random_initial_delay) spread theirs.
const refreshJitter = 15

// aor parses the address of record.
func (a *Account) aor() (sip.Uri, error) {
	var u sip.Uri
	if err := sip.ParseUri(a.AOR, &u); err != nil {
		return u, err
	}
	if u.Scheme != "sip" && u.Scheme != "sips" || u.User == "" || u.Host == "" {
		return u, errors.New("want sip:user@domain")
	}
	if strings.ContainsFunc(u.User+u.Host, badURIRune) {
		return u, errors.New("space or control character in user or domain")
	}
	return u, nil
}

// ConfigError says which setting of which account is wrong and why.
type ConfigError struct {
	Account, Key, Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("account %q: %s: %s", e.Account, e.Key, e.Reason)
}

// Validate checks the account and returns a *ConfigError for the first
// bad setting.
func (a *Account) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &ConfigError{Account: a.name(), Key: key, Reason: fmt.Sprintf(format, args...)}
	}
	if _, err := a.aor(); err != nil {
		return bad("aor", "%q: %v", a.AOR, err)
	}
	if err := validHostPort(a.Server); err != nil {
		return bad("server", "%q: %v", a.Server, err)
	}
	if a.OutboundProxy != "" {
		if err := validHostPort(a.OutboundProxy); err != nil {
			return bad("outbound_proxy", "%q: %v", a.OutboundProxy, err)
		}
	}
	if _, err := parseBind(a.Bind); err != nil {
		return bad("bind", "%q: want an IP address with an optional port", a.Bind)
	}
	if a.ContactHost != "" {
		if err := validHostPort(a.ContactHost); err != nil {
			return bad("contact_host", "%q: %v", a.ContactHost, err)
		}
	}
	return a.validateRest(bad)
}

func (a *Account) validateRest(bad func(string, string, ...any) error) error {
	switch a.DNSMode {
	case "", locate.ModeNAPTR, locate.ModeSRV, locate.ModeA, locate.ModeStatic:
	default:
		return bad("dns_mode", "%q: want naptr, srv, a or static", a.DNSMode)
	}
	if _, err := failover.ParseMode(string(a.FailoverMode)); err != nil {
		return bad("failover_mode", "%v", err)
	}
	if a.DNSMode == locate.ModeStatic && a.PrimaryIP == "" && len(a.BackupIPs) == 0 && !isIPHost(a.Server) {
		return bad("primary_ip", "static DNS mode needs a primary or backup IP (or a server that is an IP)")
	}
	if (a.PrimaryIP != "" || len(a.BackupIPs) > 0) && isIPHost(a.Server) {
		// The guide's "Use Configured IP": "If SIP server is already an IP
		// address, phone will use it directly". Saying so beats ignoring them.
		return bad("primary_ip/backup_ips", "never used: the SIP server %q is an IP address, used directly in every DNS mode; give a domain as the server to use the configured IPs", a.Server)
	}
	if (a.PrimaryIP != "" || len(a.BackupIPs) > 0) && a.DNSMode != locate.ModeStatic {
		// The guide's three IP fields belong to "Use Configured IP"; in
		// the other modes they would be ignored without a word (issue 14).
		mode := a.DNSMode
		if mode == "" {
			mode = locate.ModeNAPTR
		}
		return bad("primary_ip/backup_ips", "only used with dns_mode static, not %s", mode)
	}
	for _, ip := range append([]string{a.PrimaryIP}, a.BackupIPs...) {
		if ip != "" && !isIPHost(ip) {
			return bad("primary_ip/backup_ips", "%q is not an IP address with an optional port", ip)
		}
	}
	for _, t := range a.Transports {
		if t != locate.UDP && t != locate.TCP && t != locate.TLS {
			return bad("transports", "%q: want udp, tcp or tls", t)
		}
	}
	if a.Expires < 0 || a.Expires > 0 && a.Expires < time.Second || a.Expires > maxExpires {
		return bad("expires", "%v: want from 1s to %v", a.Expires, maxExpires)
	}
	if a.Probe < 0 || a.AttemptTimeout < 0 || a.RefreshMargin < 0 || a.MaxTries < 0 {
		return bad("probe/attempt_timeout/refresh_margin/max_tries", "must not be negative")
	}
	if a.Probe > 0 && a.Probe < minProbe {
		return bad("probe", "%v: want 0 (off) or at least %v", a.Probe, minProbe)
	}
	return nil
}

// validHostPort checks "host" or "host:port" (an IPv6 address in brackets
// when it has a port).
func validHostPort(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), ""
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("bad port %q", port)
		}
	}
	if host == "" || strings.ContainsAny(host, " \t/@;<>\"[]") {
		return fmt.Errorf("bad host %q", host)
	}
	return nil
}

// isIPHost reports whether s is an IP address, with or without a port
// (not port 0).
func isIPHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	ap, err := netip.ParseAddrPort(s)
	return err == nil && ap.Port() != 0
}

// badURIRune reports whether r may not appear in a SIP URI's user or host
// even escaped by mistake: spaces and control characters.
func badURIRune(r rune) bool {
	return r <= ' ' || r == 0x7f
}
