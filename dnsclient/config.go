package dnsclient

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Defaults for the zero Config.
const (
	defaultTimeout    = 2 * time.Second
	defaultAttempts   = 2
	defaultUDPSize    = 1232 // RFC 8900 §3 / DNS Flag Day 2020: no IP fragmentation
	defaultCacheSize  = 10000
	defaultMaxTTL     = 24 * time.Hour
	defaultResolvConf = "/etc/resolv.conf"
	maxCNAMELinks     = 8
)

// Config configures a Client. The zero value is useful: name servers from
// /etc/resolv.conf, 2 s per attempt, 2 attempts per server, EDNS0 with
// 1232 bytes, a cache of 10000 entries.
type Config struct {
	// Servers are the name servers, "host:port"; a host alone means port
	// 53 and IPv6 literals may be bracketed or bare. Nil reads ResolvConf.
	Servers []string
	// ResolvConf is the resolv.conf(5) file read when Servers is nil;
	// "" means /etc/resolv.conf. Its "options timeout:n attempts:n" apply
	// where Timeout and Attempts are zero.
	ResolvConf string
	Timeout    time.Duration // per attempt; 0 means 2s
	Attempts   int           // attempts per server; 0 means 2
	UDPSize    uint16        // EDNS0 payload size advertised (RFC 6891 §6.2.5); 0 means 1232
	// CacheSize bounds the cached (name, type) entries; 0 means 10000 and
	// a negative value disables the cache.
	CacheSize int
	// MinTTL and MaxTTL clamp the lifetime of cached answers, positive
	// and negative; MaxTTL 0 means 24h.
	MinTTL, MaxTTL time.Duration
	Now            func() time.Time // the clock for TTLs; nil means time.Now
	Logger         *slog.Logger     // nil means silent
	// Dial opens the connection for one exchange ("udp" or "tcp"); nil
	// means a net.Dialer. Tests use it to put an in-memory server behind
	// the client.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// ID returns the ID of the next query; nil means dns.Id, which reads
	// crypto/rand (RFC 5452 §9.2).
	ID func() uint16
}

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return defaultTimeout
}

func (c *Config) attempts() int {
	if c.Attempts > 0 {
		return c.Attempts
	}
	return defaultAttempts
}

func (c *Config) udpSize() uint16 {
	if c.UDPSize >= dns.MinMsgSize {
		return c.UDPSize
	}
	return defaultUDPSize
}

func (c *Config) cacheSize() int {
	if c.CacheSize == 0 {
		return defaultCacheSize
	}
	return max(c.CacheSize, 0)
}

func (c *Config) maxTTL() time.Duration {
	if c.MaxTTL > 0 {
		return c.MaxTTL
	}
	return defaultMaxTTL
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) id() uint16 {
	if c.ID != nil {
		return c.ID()
	}
	return dns.Id()
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger.With("component", "dnsclient")
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Config) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if c.Dial != nil {
		return c.Dial(ctx, network, address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// clampTTL returns the lifetime of a record with ttl seconds after the
// configured clamps.
func (c *Config) clampTTL(ttl uint32) time.Duration {
	d := time.Duration(ttl) * time.Second
	return min(max(d, c.MinTTL), c.maxTTL())
}

// serverAddr returns s as host:port, adding port 53 when s has none.
func serverAddr(s string) (string, error) {
	if host, port, err := net.SplitHostPort(s); err == nil {
		if host == "" || port == "" {
			return "", fmt.Errorf("bad name server address %q", s)
		}
		return s, nil
	}
	host, bracketed := strings.CutPrefix(s, "[")
	if bracketed {
		host, bracketed = strings.CutSuffix(host, "]")
	}
	if host == "" || strings.HasPrefix(s, "[") && !bracketed || strings.ContainsAny(host, "[] \t") {
		return "", fmt.Errorf("bad name server address %q", s)
	}
	return net.JoinHostPort(host, "53"), nil
}
