package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// DefaultAddr is where the server listens when Config.Addr is empty.
const DefaultAddr = "127.0.0.1:5353"

// Config configures a Server. The zero value (plus Zones) serves on
// DefaultAddr, one UDP socket per CPU, no transfers, no NOTIFY, no polling.
type Config struct {
	Zones []string // zone files; each file's SOA owner is its apex
	// FS, when set, is where Zones and their $INCLUDEs are read from
	// (fs.FS paths: "example.com.zone", no leading slash), so that a
	// program or a test serves zone text with no file on disk
	// (fstest.MapFS); reloads stat and read it as they do the disk. nil:
	// the operating system's files.
	FS             fs.FS
	Addr           string         // host:port for UDP and TCP; DefaultAddr if empty
	ReusePort      int            // UDP sockets sharing Addr (SO_REUSEPORT); GOMAXPROCS if 0
	AllowTransfer  []netip.Prefix // addresses allowed AXFR without TSIG
	TSIG           []TSIGKey      // keys allowed AXFR; NOTIFY is signed with the first
	Notify         []string       // host:port of secondaries sent NOTIFY after each load
	ReloadInterval time.Duration  // how often to look for changed zone files; 0: never
	Logger         *slog.Logger   // nil: silent

	// MaxTCPConns caps the TCP connections held at once; over it a new one
	// is closed as soon as it is accepted. Zero means DefaultMaxTCPConns.
	// It is lowered to leave 64 descriptors of RLIMIT_NOFILE free, so that
	// a reload can still open its files when the connections are all taken.
	MaxTCPConns int
	// MaxTCPConnsPerIP caps the TCP connections from one IP address; zero
	// means DefaultMaxTCPConnsPerIP.
	MaxTCPConnsPerIP int

	// HealthCheck, when set, probes every SRV target of the _sip._udp,
	// _sip._tcp, _sips._tcp and _sip._tls owners every HealthInterval
	// (default 2 s), at most HealthConcurrency (64) at once. A target that
	// fails HealthFall (3) probes in a row is withheld from answers, or
	// with HealthMode "demote" moved to priority 65535, until it passes
	// HealthRise (2) in a row (health.go). AXFR sends the zone as written.
	HealthCheck       Prober
	HealthInterval    time.Duration
	HealthFall        int
	HealthRise        int
	HealthMode        string // HealthWithhold (default) or HealthDemote
	HealthConcurrency int

	// now, notifyRetry, tick, singleUDP and read are for tests; tick
	// replaces the ReloadInterval ticker, singleUDP takes the portable UDP
	// path (singleConn) that systems other than Linux use, read replaces
	// os.ReadFile where zone files are hashed.
	now         func() time.Time
	notifyRetry time.Duration
	tick        <-chan time.Time
	singleUDP   bool
	read        func(path string) ([]byte, error)
}

// TSIGKey is a TSIG key (RFC 8945) allowed to transfer zones.
type TSIGKey struct {
	Name      string // key name, e.g. "xfr.example.com."
	Algorithm string // dns.HmacSHA256 and the other miekg/dns names
	Secret    string // base64
}

func (c *Config) addr() string {
	if c.Addr == "" {
		return DefaultAddr
	}
	return c.Addr
}

func (c *Config) reusePort() int {
	if c.ReusePort <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return c.ReusePort
}

func (c *Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger.With("component", "dns")
}

func (c *Config) tsigSecrets() map[string]string {
	if len(c.TSIG) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, k := range c.TSIG {
		m[dns.CanonicalName(k.Name)] = k.Secret
	}
	return m
}

// Server is an authoritative DNS server for a set of zone files.
type Server struct {
	cfg  Config
	log  *slog.Logger
	snap atomic.Pointer[snapshot]
	gens atomic.Uint64 // snapshots stored so far

	reloadMu      sync.Mutex // one reload at a time
	files         map[string]fingerprint
	reloadsOK     atomic.Uint64
	reloadsFailed atomic.Uint64
	health        *serverHealth // nil: no health checks

	udp    []*udpSocket
	tcp    *dns.Server
	tcpLn  *tcpLimiter
	tcpSt  stats
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New loads the zone files of cfg and returns a server ready to Start. Any
// file that does not load is an error here: a server does not start on half
// its zones.
func New(cfg Config) (*Server, error) {
	if len(cfg.Zones) == 0 {
		return nil, errors.New("dns server: no zone files")
	}
	s := &Server{cfg: cfg, log: cfg.logger(), files: map[string]fingerprint{}}
	var err error
	if s.health, err = newServerHealth(&cfg); err != nil {
		return nil, err
	}
	zones := make([]*Zone, 0, len(cfg.Zones))
	for _, path := range cfg.Zones {
		z, fp, err := s.loadFile(path)
		if err != nil {
			return nil, err
		}
		if err := checkSameOrigin(zones, z); err != nil {
			return nil, err
		}
		zones = append(zones, z)
		s.files[path] = fp
		z.logLoaded(s.log)
	}
	s.store(zones)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// checkSameOrigin refuses two files for one zone.
func checkSameOrigin(zones []*Zone, z *Zone) error {
	for _, o := range zones {
		if o.Origin == z.Origin {
			return fmt.Errorf("dns server: %s and %s both hold zone %s", o.File, z.File, z.Origin)
		}
	}
	return nil
}

// Zones returns the zones served now, sorted by origin.
func (s *Server) Zones() []*Zone {
	snap := s.snap.Load()
	out := make([]*Zone, 0, len(snap.zones))
	for _, z := range snap.zones {
		out = append(out, z)
	}
	slices.SortFunc(out, func(a, b *Zone) int { return strings.Compare(a.Origin, b.Origin) })
	return out
}

// Start listens on the configured address, UDP and TCP on the same port,
// and serves until Close. With port 0 the system picks one port for both;
// Addr tells which.
func (s *Server) Start() error {
	for try := 1; ; try++ {
		if err := s.listenUDP(); err != nil {
			return err
		}
		err := s.listenTCP()
		if err == nil {
			break
		}
		s.closeUDP()
		s.udp = nil
		// With port 0 the system chose a UDP port that another program
		// may hold for TCP: choose again, a few times.
		if !errors.Is(err, syscall.EADDRINUSE) || !anyPort(s.cfg.addr()) || try == maxPortTries {
			return err
		}
	}
	for _, u := range s.udp {
		s.wg.Go(u.serve)
	}
	if s.cfg.ReloadInterval > 0 || s.cfg.tick != nil {
		s.wg.Go(s.watch)
	}
	if s.health != nil {
		s.wg.Go(s.watchHealth)
	}
	s.notifyAll(s.Zones())
	return nil
}

// maxPortTries bounds how often Start picks a new port when given port 0.
const maxPortTries = 10

// anyPort reports whether addr asks for any free port (port 0).
func anyPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// Addr returns the address served, once started.
func (s *Server) Addr() net.Addr {
	if len(s.udp) == 0 {
		return nil
	}
	return s.udp[0].conn.LocalAddr()
}

// Close stops serving and waits for the server's goroutines.
func (s *Server) Close() error {
	s.cancel()
	var err error
	if s.tcp != nil {
		err = s.tcp.Shutdown()
	}
	s.closeUDP()
	s.wg.Wait()
	return err
}

func (s *Server) closeUDP() {
	for _, u := range s.udp {
		_ = u.conn.Close()
	}
}

// allStats returns every counter set, for a scrape.
func (s *Server) allStats() []*stats {
	out := []*stats{&s.tcpSt}
	for _, u := range s.udp {
		out = append(out, &u.st)
	}
	return out
}

func (s *Server) now() time.Time {
	if s.cfg.now != nil {
		return s.cfg.now()
	}
	return time.Now()
}
