package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/metrics"
)

// newDNSCmd builds `siplocate dns`, the parent of the DNS server commands.
func newDNSCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Serve and check DNS zones for SIP",
	}
	cmd.AddCommand(newDNSServeCmd(g))
	cmd.AddCommand(newDNSCheckCmd(g))
	return cmd
}

// serveFlags are the flags of `siplocate dns serve`.
type serveFlags struct {
	zones          []string
	listen         string
	allowTransfer  []string
	tsig           []string
	notify         []string
	metrics        string
	reloadInterval time.Duration
	reusePort      int
	maxTCP         int
	maxTCPPerIP    int
	health         bool
	healthInterval time.Duration
	healthFall     int
	healthRise     int
	healthMode     string
}

func newDNSServeCmd(g *globals) *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve --zone FILE [--zone FILE ...]",
		Short: "Serve zone files as an authoritative DNS server",
		Long: `Serve RFC 1035 zone files over UDP and TCP on one address, authoritatively.

Zones reload on SIGHUP and when their files change (checked every
--reload-interval); a file that does not load is reported with its line and
the last good zone keeps serving. Secondaries listed in --notify get a
NOTIFY after each load and may transfer the zones (AXFR) when
--allow-transfer or --tsig lets them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config()
			if err != nil {
				return usageErr("dns serve: %v", err)
			}
			cfg.Logger = g.logger()
			if f.health {
				cfg.HealthCheck = newHealthProber().probe
			}
			return serveDNS(cmd.Context(), g, cfg, f.metrics)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.zones, "zone", nil, "zone file to serve (repeat for several zones)")
	fl.StringVar(&f.listen, "listen", dnsserver.DefaultAddr, "address for UDP and TCP")
	fl.StringSliceVar(&f.allowTransfer, "allow-transfer", nil, "addresses or CIDR prefixes allowed AXFR without TSIG")
	fl.StringArrayVar(&f.tsig, "tsig", nil, "TSIG key allowed AXFR, as name:hmac-sha256:base64secret")
	fl.StringSliceVar(&f.notify, "notify", nil, "secondaries (host:port) sent NOTIFY after each load")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics on this address (/metrics)")
	durationVar(fl, &f.reloadInterval, "reload-interval", 2*time.Second, "how often to look for changed zone files (0: never)")
	fl.IntVar(&f.reusePort, "reuseport", 0, "UDP sockets sharing the address (0: one per usable CPU)")
	fl.IntVar(&f.maxTCP, "tcp-max-conns", dnsserver.DefaultMaxTCPConns, "TCP connections held at once, at most the descriptor limit less 64; more are closed at once")
	fl.IntVar(&f.maxTCPPerIP, "tcp-max-conns-per-ip", dnsserver.DefaultMaxTCPConnsPerIP, "TCP connections held from one IP address")
	fl.BoolVar(&f.health, "health-check", false, "probe every SIP SRV target with OPTIONS and withhold those down from answers")
	durationVar(fl, &f.healthInterval, "health-interval", dnsserver.DefaultHealthInterval, "how often each SRV target is probed")
	fl.IntVar(&f.healthFall, "health-fall", dnsserver.DefaultHealthFall, "failed probes in a row that take a target down")
	fl.IntVar(&f.healthRise, "health-rise", dnsserver.DefaultHealthRise, "passed probes in a row that bring a target back")
	fl.StringVar(&f.healthMode, "health-mode", dnsserver.HealthWithhold, "what a down target gets: withhold (left out) or demote (priority 65535)")
	_ = cmd.MarkFlagRequired("zone")
	return cmd
}

// config validates the flags and turns them into a server configuration.
func (f *serveFlags) config() (dnsserver.Config, error) {
	cfg := dnsserver.Config{
		Zones: f.zones, Addr: f.listen, Notify: f.notify,
		ReloadInterval: f.reloadInterval, ReusePort: f.reusePort,
		MaxTCPConns: f.maxTCP, MaxTCPConnsPerIP: f.maxTCPPerIP,
		HealthInterval: f.healthInterval, HealthFall: f.healthFall, HealthRise: f.healthRise, HealthMode: f.healthMode,
	}
	if err := f.checkHealth(); err != nil {
		return cfg, err
	}
	if _, _, err := net.SplitHostPort(f.listen); err != nil {
		return cfg, fmt.Errorf("--listen %q: %w", f.listen, err)
	}
	if f.maxTCP < 0 || f.maxTCPPerIP < 0 {
		return cfg, fmt.Errorf("--tcp-max-conns %d, --tcp-max-conns-per-ip %d: want 0 (the default) or more", f.maxTCP, f.maxTCPPerIP)
	}
	for _, n := range f.notify {
		if _, _, err := net.SplitHostPort(n); err != nil {
			return cfg, fmt.Errorf("--notify %q: %w", n, err)
		}
	}
	var err error
	if cfg.AllowTransfer, err = parsePrefixes(f.allowTransfer); err != nil {
		return cfg, err
	}
	cfg.TSIG, err = parseTSIGKeys(f.tsig)
	return cfg, err
}

// checkHealth refuses health check flags out of range.
func (f *serveFlags) checkHealth() error {
	switch {
	case !f.health:
		return nil
	case f.healthMode != dnsserver.HealthWithhold && f.healthMode != dnsserver.HealthDemote:
		return fmt.Errorf("--health-mode %q: want withhold or demote", f.healthMode)
	case f.healthInterval <= 0:
		return fmt.Errorf("--health-interval %s: want more than 0", f.healthInterval)
	case f.healthFall < 1 || f.healthRise < 1:
		return fmt.Errorf("--health-fall %d, --health-rise %d: want 1 or more", f.healthFall, f.healthRise)
	}
	return nil
}

// parsePrefixes parses CIDR prefixes; a bare address is a prefix of one.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--allow-transfer %q: not an address or CIDR prefix", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// tsigAlgorithms are the HMAC algorithms accepted by --tsig (RFC 8945 §6).
var tsigAlgorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256, "hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512, "hmac-sha1": dns.HmacSHA1,
}

// parseTSIGKeys parses name:algorithm:base64secret.
func parseTSIGKeys(list []string) ([]dnsserver.TSIGKey, error) {
	var out []dnsserver.TSIGKey
	for _, s := range list {
		parts := strings.SplitN(s, ":", 3)
		if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
			return nil, fmt.Errorf("--tsig %q: want name:hmac-sha256:base64secret", s)
		}
		alg, ok := tsigAlgorithms[strings.ToLower(parts[1])]
		if !ok {
			return nil, fmt.Errorf("--tsig %q: unknown algorithm %q", s, parts[1])
		}
		out = append(out, dnsserver.TSIGKey{Name: dns.Fqdn(parts[0]), Algorithm: alg, Secret: parts[2]})
	}
	return out, nil
}

// serveDNS runs the server until ctx ends, reloading on SIGHUP. SIGHUP is
// caught before the "serving" line is printed, so that whoever waits for
// that line may send it at once.
func serveDNS(ctx context.Context, g *globals, cfg dnsserver.Config, metricsAddr string) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	s, err := dnsserver.New(cfg)
	if err != nil {
		return failure(err)
	}
	if err := s.Start(); err != nil {
		return failure(err)
	}
	defer s.Close()
	stopMetrics, err := serveMetrics(g, metricsAddr, s)
	if err != nil {
		return failure(err)
	}
	defer stopMetrics()
	fmt.Fprintf(g.stdout, "dns: serving %s on %s (udp+tcp)\n", zoneList(s), s.Addr())
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			_ = s.Reload() // the server logs each refused file
		}
	}
}

func zoneList(s *dnsserver.Server) string {
	var parts []string
	for _, z := range s.Zones() {
		parts = append(parts, fmt.Sprintf("%s (serial %d, %d records)", z.Origin, z.SOA.Serial, z.Len()))
	}
	return strings.Join(parts, ", ")
}

// serveMetrics serves the server's counters on addr, from a registry of
// its own (see package metrics). It returns a function that stops it.
func serveMetrics(g *globals, addr string, s *dnsserver.Server) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	reg := metrics.NewRegistry()
	reg.MustRegister(metrics.DNSServer(s))
	srv, err := metrics.Serve(addr, reg, g.logger())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(g.stdout, "dns: metrics on http://%s/metrics\n", srv.Addr())
	if s.Health() != nil {
		srv.Handle("/health", s.HealthHandler())
		fmt.Fprintf(g.stdout, "dns: health on http://%s/health\n", srv.Addr())
	}
	return func() { _ = srv.Close() }, nil
}
