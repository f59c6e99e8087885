package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
	"github.com/siplocate/siplocate/sipsend"
)

// optionsFlags are the flags of `siplocate options`.
type optionsFlags struct {
	count          int
	interval       time.Duration
	dns            []string
	dnsMode        string
	transports     []string
	attemptTimeout time.Duration
	timeout        time.Duration
	ca             string
	json           bool
}

func newOptionsCmd(g *globals) *cobra.Command {
	f := &optionsFlags{}
	cmd := &cobra.Command{
		Use:   "options <sip-uri|domain> [flags]",
		Short: "Send SIP OPTIONS where RFC 3263 says, failing over per §4.3 (like sipsak -s)",
		Long: `Send OPTIONS to a SIP URI or domain through package sipsend: the servers
are located as lookup does (--dns-mode naptr, srv, a or static) and tried in
order; an attempt that times out (--attempt-timeout), fails at the transport
(ICMP port unreachable, TCP refused) or is answered 503 moves on to the next
server. Each attempt is printed with its target, outcome and time, then the
final response.

--count N sends N requests in one process, --interval apart, sharing one
store of target health: after a dead primary, later requests go straight
to the backup until its hold (60 s, or a 503's Retry-After, at most 5
minutes) is over. --json prints one object (version 0) instead.

Over TLS (a sips: URI, or --transport tls) the server's certificate must
chain to the system roots or to --ca FILE and name the SIP domain, the host
of the URI located, not the server's address (RFC 5922 §7.2); SNI is that
domain too (§4). A certificate that fails is a transport error: the next
server is tried.

Exit status: 0 when every request got a final response (its code is
printed, whatever it is), 1 when no target answered one, 2 for bad usage
or a bad URI, 3 when the DNS servers did not answer.`,
		Example: `  siplocate options sip:example.com --dns 127.0.0.1:5353
  siplocate options example.com --count 3 --interval 1s --attempt-timeout 1s
  siplocate options sip:192.0.2.13 --transport tcp --json
  siplocate options sips:example.com --ca lab-ca.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args[0])
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.count, "count", 1, "requests to send, one after the other")
	durationVar(fl, &f.interval, "interval", time.Second, "time between requests")
	fl.StringSliceVar(&f.dns, "dns", nil, "name server: IP, host name (resolved once) or either with :port, repeatable or comma-separated (default: /etc/resolv.conf)")
	fl.StringVar(&f.dnsMode, "dns-mode", "naptr", "DNS mode: naptr, srv, a or static")
	fl.StringSliceVar(&f.transports, "transport", nil, "transports to use, in order of preference: udp, tcp, tls (default udp,tcp; tls for a sips: URI)")
	durationVar(fl, &f.attemptTimeout, "attempt-timeout", 4*time.Second, "time each attempt waits for a final response")
	durationVar(fl, &f.timeout, "dns-timeout", 2*time.Second, "timeout of each DNS query attempt")
	fl.StringVar(&f.ca, "ca", "", "PEM file of the CAs that TLS certificates must chain to (default: the system roots)")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (version 0)")
	deprecatedAlias(fl, "timeout", "dns-timeout")
	return cmd
}

// validate parses the flags and the URI; errors are usage errors.
func (f *optionsFlags) validate(arg string) (sip.Uri, locate.Options, error) {
	var u sip.Uri
	opts := locate.Options{Mode: locate.Mode(f.dnsMode)}
	switch opts.Mode {
	case locate.ModeNAPTR, locate.ModeSRV, locate.ModeA, locate.ModeStatic:
	default:
		return u, opts, usageErr("options: --dns-mode %q: want naptr, srv, a or static", f.dnsMode)
	}
	for _, s := range f.transports {
		t, ok := locate.ParseTransport(strings.TrimSpace(s))
		if !ok || (t != locate.UDP && t != locate.TCP && t != locate.TLS) {
			return u, opts, usageErr("options: --transport %q: want udp, tcp or tls", s)
		}
		opts.Transports = append(opts.Transports, t)
	}
	switch {
	case f.count < 1 || f.count > 100000:
		return u, opts, usageErr("options: --count %d: want 1 to 100000", f.count)
	case f.interval < 0:
		return u, opts, usageErr("options: --interval must not be negative")
	case f.attemptTimeout <= 0 || f.timeout <= 0:
		return u, opts, usageErr("options: --attempt-timeout and --dns-timeout must be positive")
	}
	if !strings.HasPrefix(arg, "sip:") && !strings.HasPrefix(arg, "sips:") {
		arg = "sip:" + arg
	}
	if _, err := locate.ParseURI(arg); err != nil {
		return u, opts, usageErr("options: %w", err)
	}
	if err := sip.ParseUri(arg, &u); err != nil || u.Host == "" {
		return u, opts, usageErr("options: URI %s: not a SIP URI", logsafe.Quote(arg))
	}
	return u, opts, nil
}

// run sends the requests and prints them; see the help for exit statuses.
func (f *optionsFlags) run(ctx context.Context, g *globals, arg string) error {
	uri, lopts, err := f.validate(arg)
	if err != nil {
		return err
	}
	loc, err := f.locator(ctx, g, uri, lopts)
	if err != nil {
		return err
	}
	tlsConf, err := f.tlsConfig()
	if err != nil {
		return err
	}
	client, closeUA, err := newOptionsClient(g.logger())
	if err != nil {
		return failure(fmt.Errorf("options: %w", err))
	}
	udp, streams := sipsend.NewUDP(client.TransportLayer()), sipsend.NewStreams(client.TransportLayer(), tlsConf)
	defer func() {
		closeUA() // first: sipgo warns of connections in its pool closed under it
		udp.Close()
		streams.Close()
	}()
	opts := sipsend.Options{Locator: loc, Locate: lopts, Health: &failover.Health{}, UDP: udp, Streams: streams, AttemptTimeout: f.attemptTimeout}
	var results []optionsResult
	for i := range f.count {
		if i > 0 && !sleepCtx(ctx, f.interval) {
			break
		}
		res, tr, err := sipsend.Do(ctx, client, sip.NewRequest(sip.OPTIONS, uri), opts)
		r := optionsResult{res: res, trace: tr, err: err}
		results = append(results, r)
		if !f.json {
			writeOptionsText(g.stdout, i+1, f.count, uri.String(), r)
		}
	}
	if f.json {
		if err := writeOptionsJSON(g.stdout, uri.String(), lopts, results); err != nil {
			return failure(fmt.Errorf("options: write output: %w", err))
		}
	}
	return optionsStatus(results)
}

// tlsConfig returns the TLS roots: --ca's, or nil for the system's.
// sipsend.Streams sets the server name to the SIP domain (RFC 5922 §4).
func (f *optionsFlags) tlsConfig() (*tls.Config, error) {
	if f.ca == "" {
		return nil, nil
	}
	pool, err := readCA(f.ca)
	if err != nil {
		return nil, usageErr("options: --ca: %w", err)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// locator returns the Locator for uri: through --dns (or the system's
// servers) unless no DNS is needed.
func (f *optionsFlags) locator(ctx context.Context, g *globals, uri sip.Uri, opts locate.Options) (sipsend.Locator, error) {
	servers, err := dnsServers(ctx, f.dns, lookupHostTimeout(f.timeout))
	if err != nil {
		return nil, usageErr("options: %w", err)
	}
	client, err := dnsclient.New(dnsclient.Config{Servers: servers, Timeout: f.timeout, Logger: g.logger()})
	if err != nil && needsDNS(uri.String(), opts) {
		return nil, usageErr("options: %w", err)
	}
	l := &locate.Locator{}
	if client != nil {
		l.Resolver = locatedns.New(client)
	}
	return l, nil
}

// newOptionsClient returns a sipgo client whose logs go to log.
func newOptionsClient(log *slog.Logger) (*sipgo.Client, func(), error) {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("siplocate"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log)))
	if err != nil {
		return nil, nil, fmt.Errorf("create SIP user agent: %w", err)
	}
	c, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log))
	if err != nil {
		_ = ua.Close()
		return nil, nil, fmt.Errorf("create SIP client: %w", err)
	}
	return c, func() { _ = ua.Close() }, nil
}

// sleepCtx waits d, or less when ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// optionsResult is what came of one request.
type optionsResult struct {
	res   *sip.Response
	trace sipsend.Trace
	err   error
}

// optionsStatus is 0 when every request got a final response, 3 when the
// DNS did not answer, 1 otherwise.
func optionsStatus(rs []optionsResult) error {
	for _, r := range rs {
		switch {
		case r.err == nil:
		case errors.Is(r.err, locate.ErrNoDNSAnswer):
			return &exitError{code: exitNoDNSAnswer, err: r.err}
		case errors.Is(r.err, locate.ErrBadURI) || errors.Is(r.err, locate.ErrNoTransport):
			return usageErr("%w", r.err)
		default:
			return failure(r.err)
		}
	}
	return nil
}

// writeOptionsText prints request n of count: its attempts, then the
// final response or why there was none.
func writeOptionsText(w io.Writer, n, count int, uri string, r optionsResult) {
	if count > 1 {
		fmt.Fprintf(w, "request %d/%d: ", n, count)
	}
	fmt.Fprintf(w, "OPTIONS %s via %s\n", logsafe.Quote(uri), logsafe.Quote(r.trace.NextHop))
	for i, a := range r.trace.Attempts {
		fmt.Fprintf(w, "  %d. %s %s  %s  %s\n", i+1, a.Target.Transport, a.Target.AddrPort(), attemptResult(a), millis(a.Duration))
	}
	switch {
	case r.res != nil && r.err == nil:
		fmt.Fprintf(w, "%d %s\n", r.res.StatusCode, logsafe.Quote(r.res.Reason))
	default:
		fmt.Fprintf(w, "no final response: %s\n", logsafe.Quote(r.err.Error()))
	}
}

// attemptResult is "200 OK", "503 Service Unavailable", "timeout", ...
func attemptResult(a sipsend.Attempt) string {
	if a.Status != 0 {
		return fmt.Sprintf("%d %s", a.Status, logsafe.Quote(a.Reason))
	}
	return a.Outcome.String()
}

// optionsJSON is the --json shape, version 0: fields are only ever added.
type optionsJSON struct {
	Version  int                  `json:"version"`
	URI      string               `json:"uri"`
	Mode     string               `json:"mode"`
	Requests []optionsRequestJSON `json:"requests"`
}

type optionsRequestJSON struct {
	NextHop  string        `json:"next_hop"`
	Attempts []attemptJSON `json:"attempts"`
	Status   int           `json:"status"` // 0: no final response
	Reason   string        `json:"reason,omitempty"`
	Error    string        `json:"error,omitempty"`
}

type attemptJSON struct {
	Transport string  `json:"transport"`
	Address   string  `json:"address"`
	Port      uint16  `json:"port"`
	Host      string  `json:"host"`
	Outcome   string  `json:"outcome"` // answered, timeout, transport-error, unavailable
	Status    int     `json:"status"`
	Reason    string  `json:"reason,omitempty"`
	TimeMs    float64 `json:"time_ms"`
	Error     string  `json:"error,omitempty"`
}

// writeOptionsJSON prints every request as one optionsJSON object.
func writeOptionsJSON(w io.Writer, uri string, opts locate.Options, rs []optionsResult) error {
	out := optionsJSON{URI: uri, Mode: string(opts.Mode), Requests: []optionsRequestJSON{}}
	for _, r := range rs {
		rj := optionsRequestJSON{NextHop: r.trace.NextHop, Attempts: []attemptJSON{}}
		if r.res != nil && r.err == nil {
			rj.Status, rj.Reason = r.res.StatusCode, r.res.Reason
		}
		if r.err != nil {
			rj.Error = r.err.Error()
		}
		for _, a := range r.trace.Attempts {
			aj := attemptJSON{Transport: string(a.Target.Transport), Address: a.Target.Addr.String(), Port: a.Target.Port,
				Host: a.Target.Host, Outcome: a.Outcome.String(), Status: a.Status, Reason: a.Reason,
				TimeMs: float64(a.Duration) / float64(time.Millisecond)}
			if a.Err != nil {
				aj.Error = a.Err.Error()
			}
			rj.Attempts = append(rj.Attempts, aj)
		}
		out.Requests = append(out.Requests, rj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
