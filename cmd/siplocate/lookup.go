package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// lookupFlags are the flags of `siplocate lookup`.
type lookupFlags struct {
	mode       string
	dns        []string
	transports []string
	primaryIP  string
	backupIPs  []string
	family     string
	timeout    time.Duration
	json       bool
	trace      bool
}

func newLookupCmd(g *globals) *cobra.Command {
	f := &lookupFlags{}
	cmd := &cobra.Command{
		Use:   "lookup <sip-uri|domain> [flags]",
		Short: "Find the SIP servers for a URI or domain as RFC 3263 says (NAPTR, SRV, A/AAAA)",
		Long: `Find the servers a SIP client should try for a URI or domain, in order.

--dns-mode is the phone's "DNS Mode": naptr (NAPTR, then SRV, then A/AAAA;
RFC 3263 in full, the default), srv (SRV, then A/AAAA), a (A/AAAA only) and
static (--primary-ip then --backup-ip, no DNS; a SIP server given as an IP
is used as is, and with no IP configured a name is located as naptr does).

The output shows each DNS query with its answer, TTL and round-trip time,
and notes that explain what was made of it (records skipped, targets
dropped and why, steps beyond the RFC, a name that looks like a zone
file's missing trailing dot), then the numbered list of targets. --trace adds, under each target, the
records that led to it. --json prints one object (version 0) instead.

Exit status: 0 when targets were found, 1 when none were (the reason is
printed: NXDOMAIN, no records, all SRV targets "."), 2 for bad usage or a
bad URI, 3 when the DNS servers did not answer (after one question went
unanswered by every server, nothing more is asked).`,
		Example: `  siplocate lookup sip:alice@example.com --dns 127.0.0.1:5353
  siplocate lookup example.com --dns-mode srv --transport udp,tcp,tls
  siplocate lookup sips:example.com --json
  siplocate lookup example.com --dns-mode static --primary-ip 192.0.2.13 --backup-ip 192.0.2.12:5060`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.mode, "dns-mode", "naptr", "DNS mode: naptr, srv, a or static")
	fl.StringSliceVar(&f.dns, "dns", nil, "name server: IP, host name (resolved once) or either with :port, repeatable or comma-separated (default: /etc/resolv.conf)")
	fl.StringSliceVar(&f.transports, "transport", nil, "transports the client supports, in order of preference: udp,tcp,tls,sctp,ws,wss (default udp,tcp; tls for sips:)")
	fl.StringVar(&f.primaryIP, "primary-ip", "", "static mode: the primary server, ip or ip:port")
	fl.StringSliceVar(&f.backupIPs, "backup-ip", nil, "static mode: backup servers, ip or ip:port, repeatable")
	fl.StringVar(&f.family, "family", "any", "address families: any (IPv4 first), prefer-ipv6, ipv4 or ipv6")
	durationVar(fl, &f.timeout, "dns-timeout", 2*time.Second, "timeout of each DNS query attempt")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (version 0)")
	fl.BoolVar(&f.trace, "trace", false, "show the records that led to each target")
	deprecatedAlias(fl, "mode", "dns-mode")
	deprecatedAlias(fl, "timeout", "dns-timeout")
	return cmd
}

// options turns the flags into locate.Options; errors are usage errors.
func (f *lookupFlags) options() (locate.Options, error) {
	opts := locate.Options{Mode: locate.Mode(f.mode), PrimaryIP: f.primaryIP, BackupIPs: f.backupIPs}
	switch opts.Mode {
	case locate.ModeNAPTR, locate.ModeSRV, locate.ModeA, locate.ModeStatic:
	default:
		return opts, usageErr("lookup: --dns-mode %q: want naptr, srv, a or static", f.mode)
	}
	for _, s := range f.transports {
		t, ok := locate.ParseTransport(strings.TrimSpace(s))
		if !ok {
			return opts, usageErr("lookup: --transport %q: want udp, tcp, tls, sctp, ws or wss", s)
		}
		opts.Transports = append(opts.Transports, t)
	}
	families := map[string]locate.Family{"any": locate.AnyFamily, "prefer-ipv6": locate.PreferIPv6, "ipv4": locate.IPv4Only, "ipv6": locate.IPv6Only}
	fam, ok := families[f.family]
	if !ok {
		return opts, usageErr("lookup: --family %q: want any, prefer-ipv6, ipv4 or ipv6", f.family)
	}
	opts.Family = fam
	if (f.primaryIP != "" || len(f.backupIPs) > 0) && opts.Mode != locate.ModeStatic {
		return opts, usageErr("lookup: --primary-ip and --backup-ip need --dns-mode static")
	}
	return opts, nil
}

// run locates uri and prints the result; see the command's help for the
// exit statuses.
func (f *lookupFlags) run(ctx context.Context, g *globals, uri string) error {
	opts, err := f.options()
	if err != nil {
		return err
	}
	if f.timeout <= 0 {
		return usageErr("lookup: --dns-timeout must be positive")
	}
	servers, err := dnsServers(ctx, f.dns, lookupHostTimeout(f.timeout))
	if err != nil {
		return usageErr("lookup: %w", err)
	}
	client, err := dnsclient.New(dnsclient.Config{Servers: servers, Timeout: f.timeout, Logger: g.logger()})
	if err != nil && needsDNS(uri, opts) {
		return usageErr("lookup: %w", err)
	}
	l := &locate.Locator{}
	if client != nil {
		l.Resolver = locatedns.New(client)
	}
	res, lerr := l.Locate(ctx, uri, opts)
	if errors.Is(lerr, locate.ErrBadURI) || errors.Is(lerr, locate.ErrNoTransport) {
		return usageErr("lookup: %w", lerr)
	}
	if f.json {
		err = writeLookupJSON(g.stdout, uri, opts, res, lerr, f.trace)
	} else {
		err = f.writeText(g.stdout, res)
	}
	if err != nil {
		return failure(fmt.Errorf("lookup: write output: %w", err))
	}
	return lookupStatus(g, res, lerr)
}

// dnsServers validates the --dns values once, before any query, and
// returns them as IP:port: an IP address ([IPv6] or bare) or a host name,
// with an optional numeric port (53 by default). A name is resolved here,
// once, with lookupHost, so that a name that does not resolve is a usage
// error and not a failure of every query.
func dnsServers(ctx context.Context, values []string, lookupHost func(context.Context, string) ([]string, error)) ([]string, error) {
	var out []string
	for _, v := range values {
		host, port, err := splitServer(v)
		if err != nil {
			return nil, fmt.Errorf("--dns %q: %w", v, err)
		}
		if _, err := netip.ParseAddr(host); err != nil {
			addrs, err := lookupHost(ctx, host)
			if err != nil || len(addrs) == 0 {
				return nil, fmt.Errorf("--dns %q: %w", v, cmp.Or(err, errors.New("no addresses")))
			}
			host = addrs[0]
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}

// splitServer splits a --dns value into host and port ("53" when none).
func splitServer(s string) (host, port string, err error) {
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return strings.Trim(s, "[]"), "53", nil
	}
	host, port, err = net.SplitHostPort(s)
	if err != nil {
		host, port = s, "53"
	}
	if host == "" || strings.ContainsAny(host, " \t/[]") {
		return "", "", errors.New("want an IP address or host, with an optional :port")
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", "", fmt.Errorf("bad port %q", port)
	}
	return host, port, nil
}

// lookupHostTimeout returns the system resolver's LookupHost bounded by
// timeout, for a --dns value given as a name.
func lookupHostTimeout(timeout time.Duration) func(context.Context, string) ([]string, error) {
	return func(ctx context.Context, host string) ([]string, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return net.DefaultResolver.LookupHost(ctx, host)
	}
}

// needsDNS reports whether uri may need a name server: a dnsclient that
// cannot be built (no resolv.conf) is only an error then.
func needsDNS(uri string, opts locate.Options) bool {
	u, err := locate.ParseURI(uri)
	if err != nil || u.IP.IsValid() {
		return false
	}
	return opts.Mode != locate.ModeStatic || (opts.PrimaryIP == "" && len(opts.BackupIPs) == 0)
}

// exitNoDNSAnswer is the exit status when no DNS server answered
// (locate.ErrNoDNSAnswer), distinct from exitFailure's "the name has no
// targets", as dig's 9.
const exitNoDNSAnswer = 3

// lookupStatus maps Locate's outcome to the exit status: no targets 1, or
// 3 when the DNS servers did not answer; a partial result 0 with a warning
// on stderr.
func lookupStatus(g *globals, res *locate.Result, err error) error {
	switch {
	case err == nil:
		return nil
	case len(res.Targets) == 0 && errors.Is(err, locate.ErrNoDNSAnswer):
		return &exitError{code: exitNoDNSAnswer, err: fmt.Errorf("no targets: %w", err)}
	case len(res.Targets) == 0:
		return failure(fmt.Errorf("no targets: %w", err))
	}
	fmt.Fprintf(g.stderr, "siplocate: warning: the list may be incomplete: %v\n", err)
	return nil
}

// writeText prints the queries as the guide shows the flow, then the
// numbered targets.
func (f *lookupFlags) writeText(w io.Writer, res *locate.Result) error {
	ew := &errWriter{w: w}
	for _, q := range res.Queries {
		writeQuery(ew, q)
	}
	if len(res.Queries) > 0 {
		fmt.Fprintln(ew)
	}
	if len(res.Targets) == 0 {
		fmt.Fprintln(ew, "no targets")
		return ew.err
	}
	fmt.Fprintln(ew, "targets, in the order to try them:")
	writeTargets(ew, res.Targets, f.trace)
	return ew.err
}

// writeQuery prints one query line and its answer records, indented.
func writeQuery(w io.Writer, q locate.Query) {
	fmt.Fprintf(w, "%-5s %s", q.Type, q.Name)
	switch {
	case q.Err != "":
		fmt.Fprintf(w, "  error: %s\n", q.Err)
		writeNotes(w, q.Notes)
		return
	case q.Inferred != "":
		fmt.Fprintf(w, "  %s  ttl %s  not asked: %s does not exist (RFC 8020)\n", q.Rcode, seconds(q.TTL), q.Inferred)
		writeNotes(w, q.Notes)
		return
	case q.Cached:
		fmt.Fprintf(w, "  %s  ttl %s  cached\n", rcodeText(q), seconds(q.TTL))
	default:
		fmt.Fprintf(w, "  %s  ttl %s  rtt %s  from %s\n", rcodeText(q), seconds(q.TTL), millis(q.RTT), q.Server)
	}
	for _, a := range q.Answers {
		fmt.Fprintf(w, "      %s\n", zoneText(a))
	}
	writeNotes(w, q.Notes)
}

// writeNotes prints the notes explaining a query's answer, indented.
func writeNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "      note: %s\n", n)
	}
}

// rcodeText returns the query's rcode, NODATA for a NOERROR without records
// (RFC 2308 §2.2).
func rcodeText(q locate.Query) string {
	if q.Rcode == "NOERROR" && len(q.Answers) == 0 {
		return "NODATA"
	}
	return q.Rcode
}

// writeTargets prints the numbered target list as a table; with trace,
// the records that led to each target follow its row.
func writeTargets(w io.Writer, ts []locate.Target, trace bool) {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\ttarget\tpriority\tweight\tttl")
	for i, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\n", i+1, t, t.Priority, t.Weight, ttlOf(t.Expires))
	}
	tw.Flush() //nolint:errcheck // writes to a buffer
	rows := strings.SplitAfter(table.String(), "\n")
	io.WriteString(w, rows[0]) //nolint:errcheck // errWriter keeps the error
	for i, t := range ts {
		io.WriteString(w, rows[i+1]) //nolint:errcheck
		for _, r := range t.Records {
			if trace {
				fmt.Fprintf(w, "     <- %s\n", zoneText(r))
			}
		}
	}
}

// zoneText returns a record's zone text with single spaces for tabs.
func zoneText(rr string) string { return strings.ReplaceAll(rr, "\t", " ") }

// ttlOf returns how long a target's records have left to live, "-" when
// no DNS was involved.
func ttlOf(expires time.Time) string {
	if expires.IsZero() {
		return "-"
	}
	return seconds(time.Until(expires))
}

// seconds formats a TTL in whole seconds, rounded up: a fresh answer shows
// the TTL its record carries, as dig does.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%ds", ttlSeconds(d))
}

func ttlSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// errWriter remembers the first write error so printing code stays flat.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// lookupJSON is the --json shape, version 0: fields are only ever added.
type lookupJSON struct {
	Version int          `json:"version"`
	URI     string       `json:"uri"`
	Mode    string       `json:"mode"`
	Targets []targetJSON `json:"targets"`
	Queries []queryJSON  `json:"queries"`
	Error   string       `json:"error,omitempty"`
}

type targetJSON struct {
	Transport string   `json:"transport"`
	Address   string   `json:"address"`
	Port      uint16   `json:"port"`
	Host      string   `json:"host"`
	Priority  uint16   `json:"priority"`
	Weight    uint16   `json:"weight"`
	TTL       *int64   `json:"ttl"` // seconds; null when no DNS was involved
	Records   []string `json:"records,omitempty"`
}

type queryJSON struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Rcode   string   `json:"rcode"`
	Answers []string `json:"answers"`
	TTL     int64    `json:"ttl"`
	RTTms   float64  `json:"rtt_ms"`
	Cached  bool     `json:"cached"`
	Server  string   `json:"server,omitempty"`
	Error   string   `json:"error,omitempty"`
	// Inferred names the nonexistent name this query's name is or lies
	// under, when it was not asked for that reason (RFC 8020).
	Inferred string `json:"inferred,omitempty"`
	// Notes explain what was made of the answer: records skipped,
	// targets dropped and why, steps beyond the RFC, hints.
	Notes []string `json:"notes,omitempty"`
}

// writeLookupJSON prints res as one lookupJSON object.
func writeLookupJSON(w io.Writer, uri string, opts locate.Options, res *locate.Result, lerr error, trace bool) error {
	out := lookupJSON{URI: uri, Mode: string(opts.Mode), Targets: []targetJSON{}, Queries: []queryJSON{}}
	if lerr != nil {
		out.Error = lerr.Error()
	}
	for _, t := range res.Targets {
		tj := targetJSON{Transport: string(t.Transport), Address: t.Addr.String(), Port: t.Port, Host: t.Host,
			Priority: t.Priority, Weight: t.Weight}
		if !t.Expires.IsZero() {
			ttl := ttlSeconds(time.Until(t.Expires))
			tj.TTL = &ttl
		}
		if trace {
			for _, r := range t.Records {
				tj.Records = append(tj.Records, zoneText(r))
			}
		}
		out.Targets = append(out.Targets, tj)
	}
	for _, q := range res.Queries {
		out.Queries = append(out.Queries, queryJSON{Name: q.Name, Type: q.Type, Rcode: q.Rcode, Answers: zoneTexts(q.Answers),
			TTL: ttlSeconds(q.TTL), RTTms: float64(q.RTT.Microseconds()) / 1000, Cached: q.Cached, Server: q.Server, Error: q.Err,
			Inferred: q.Inferred, Notes: q.Notes})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// zoneTexts returns the records' zone text with spaces, never nil.
func zoneTexts(rrs []string) []string {
	out := make([]string, 0, len(rrs))
	for _, r := range rrs {
		out = append(out, zoneText(r))
	}
	return out
}
