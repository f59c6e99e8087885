package registrar

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Defaults used when the matching Config field is zero.
const (
	DefaultRealm         = "siplocate"
	DefaultExpires       = 3600 * time.Second // RFC 3261 §10.2.1.1: one hour
	DefaultMinExpires    = 60 * time.Second
	DefaultMaxExpires    = 7200 * time.Second
	DefaultNonceLifetime = 5 * time.Minute
	DefaultRetryAfter    = 30 * time.Second

	// DefaultTCPIdleTimeout closes a TCP connection that carries no
	// binding after two minutes without a byte, Kamailio's and OpenSIPS's
	// tcp_connection_lifetime; one that carries a binding stays open until
	// the binding expires.
	DefaultTCPIdleTimeout = 2 * time.Minute
	// DefaultMaxTCPConns caps the TCP connections held, across the
	// listeners, and never more than the descriptor limit leaves after
	// tcpReserveFDs.
	DefaultMaxTCPConns = 4096
	// DefaultMaxContacts caps the bindings of one AOR. Ten 200 OK
	// Contact lines of 60 to 80 bytes fit sipgo's 1,300-byte UDP limit
	// with the other headers.
	DefaultMaxContacts = 10
	// DefaultMaxTCPConnsPerIP caps the TCP connections from one IP address.
	DefaultMaxTCPConnsPerIP = 64
)

// Listen is one address the registrar serves on.
type Listen struct {
	Network string // "udp" or "tcp"
	Addr    string // host:port; port 0 picks a free one
}

// String returns the address in the form ParseListen reads.
func (l Listen) String() string { return l.Network + ":" + l.Addr }

// ParseListen reads "udp:127.0.0.13:5060" or "tcp:[::1]:5060".
func ParseListen(s string) (Listen, error) {
	network, addr, ok := strings.Cut(s, ":")
	network = strings.ToLower(network)
	if !ok || (network != "udp" && network != "tcp") {
		return Listen{}, fmt.Errorf("parse listen address %q: want udp:HOST:PORT or tcp:HOST:PORT", s)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return Listen{}, fmt.Errorf("parse listen address %q: %w", s, err)
	}
	return Listen{Network: network, Addr: addr}, nil
}

// Config configures a Registrar. The zero value, plus at least one Listen
// address and either Users or NoAuth, is a working registrar.
type Config struct {
	// Listen lists the sockets to serve on.
	Listen []Listen

	// Realm is the digest realm of the challenges (RFC 3261 §22.1).
	Realm string
	// Users maps user names to passwords for digest authentication.
	Users Users
	// NoAuth accepts every REGISTER without a challenge.
	NoAuth bool
	// Algorithms are the digest algorithms offered, one WWW-Authenticate
	// header each, in this order (RFC 8760 §2.4). The default is MD5, then
	// SHA-256: RFC 8760 asks clients to use the topmost algorithm they
	// support, but sipp 3.6 and Kamailio 5.6's uac module take the topmost
	// challenge and give up when it is SHA-256 (see the interop tests).
	Algorithms []string
	// NonceLifetime is how long a nonce stays fresh; older ones get a new
	// challenge with stale=true (RFC 2617 §3.2.1).
	NonceLifetime time.Duration
	// MaxNonces bounds the nonces whose nonce counts are remembered to
	// refuse replays (default DefaultMaxNonces). Only requests with a right
	// digest add one; at the cap the oldest is forgotten, and it is refused
	// as stale from then on.
	MaxNonces int
	// Secret keys the HMAC that signs nonces. Nil picks a random one at New,
	// kept across Stop and Start.
	Secret []byte

	// DefaultExpires applies when a REGISTER gives no expiry.
	DefaultExpires time.Duration
	// MinExpires is the shortest expiry accepted; shorter non-zero ones get
	// 423 Interval Too Brief (RFC 3261 §10.3 step 7). At least one second.
	MinExpires time.Duration
	// MaxExpires caps granted expiries.
	MaxExpires time.Duration

	// TCPIdleTimeout closes a TCP connection after this long without a byte
	// received (default DefaultTCPIdleTimeout; RFC 3261 §18 and RFC 5626
	// §4.4.1 leave the server free to). A connection that carries a
	// binding stays open at least until that binding expires.
	TCPIdleTimeout time.Duration
	// MaxTCPConns caps the TCP connections held at once; over it a new one
	// is closed as soon as it is accepted. Zero means DefaultMaxTCPConns,
	// lowered to the descriptor limit (RLIMIT_NOFILE) less tcpReserveFDs.
	MaxTCPConns int
	// MaxTCPConnsPerIP caps the TCP connections from one IP address
	// (default DefaultMaxTCPConnsPerIP).
	MaxTCPConnsPerIP int

	// MaxContacts caps the bindings of one AOR (default
	// DefaultMaxContacts); a REGISTER that would pass it gets 403.
	MaxContacts int

	// Now is the clock for expiries and nonces; nil means time.Now.
	Now func() time.Time
	// Logger receives the registrar's logs and sipgo's; nil is silent.
	Logger *slog.Logger
	// OnEvent, when set, is called for each event, one call at a time, in
	// the goroutine that handles the request. It must not block for long.
	OnEvent func(Event)
	// UserAgent is sent in the Server header; default "siplocate-registrar".
	UserAgent string
}

func (c *Config) realm() string { return or(c.Realm, DefaultRealm) }

func (c *Config) userAgent() string { return or(c.UserAgent, "siplocate-registrar") }

func (c *Config) defaultExpires() time.Duration { return orDur(c.DefaultExpires, DefaultExpires) }

func (c *Config) minExpires() time.Duration { return orDur(c.MinExpires, DefaultMinExpires) }

func (c *Config) maxExpires() time.Duration { return orDur(c.MaxExpires, DefaultMaxExpires) }

func (c *Config) nonceLifetime() time.Duration {
	return orDur(c.NonceLifetime, DefaultNonceLifetime)
}

func (c *Config) tcpIdleTimeout() time.Duration {
	return orDur(c.TCPIdleTimeout, DefaultTCPIdleTimeout)
}

func (c *Config) maxTCPConns() int {
	if c.MaxTCPConns > 0 {
		return c.MaxTCPConns
	}
	if fds, ok := fdLimit(); ok {
		return max(1, min(DefaultMaxTCPConns, fds-tcpReserveFDs))
	}
	return DefaultMaxTCPConns
}

func (c *Config) maxTCPConnsPerIP() int {
	if c.MaxTCPConnsPerIP <= 0 {
		return DefaultMaxTCPConnsPerIP
	}
	return c.MaxTCPConnsPerIP
}

func (c *Config) maxContacts() int {
	if c.MaxContacts <= 0 {
		return DefaultMaxContacts
	}
	return c.MaxContacts
}

func (c *Config) maxNonces() int {
	if c.MaxNonces <= 0 {
		return DefaultMaxNonces
	}
	return c.MaxNonces
}

func (c *Config) algorithms() []string {
	if len(c.Algorithms) == 0 {
		return []string{"MD5", "SHA-256"}
	}
	return c.Algorithms
}

func (c *Config) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// validate checks the fields New cannot default.
func (c *Config) validate() error {
	if !c.NoAuth && len(c.Users) == 0 {
		return fmt.Errorf("no users: give Users or set NoAuth")
	}
	for _, a := range c.algorithms() {
		if a != "MD5" && a != "SHA-256" {
			return fmt.Errorf("digest algorithm %q: want MD5 or SHA-256", a)
		}
	}
	if c.minExpires() < time.Second || c.maxExpires() < c.minExpires() {
		return fmt.Errorf("expiry bounds min %v max %v: want 1s <= min <= max", c.minExpires(), c.maxExpires())
	}
	if c.defaultExpires() < c.minExpires() {
		return fmt.Errorf("default expiry %v is below the minimum %v", c.defaultExpires(), c.minExpires())
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
