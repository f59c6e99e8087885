package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/doctor"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
	"github.com/siplocate/siplocate/probe"
)

// doctorFlags are the flags of `siplocate doctor`.
type doctorFlags struct {
	dns        []string
	transports []string
	timeout    time.Duration
	dnsTimeout time.Duration
	ca         string
	json       bool
}

func newDoctorCmd(g *globals) *cobra.Command {
	f := &doctorFlags{}
	cmd := &cobra.Command{
		Use:   "doctor <domain|sip-uri> [flags]",
		Short: "Check a SIP domain end to end, live: DNS (RFC 3263), every target (OPTIONS), TLS (RFC 5922)",
		Long: `Check a SIP domain end to end, live, and say what is wrong in plain words,
with the RFC behind each finding.

DNS: the RFC 3263 chain (NAPTR, SRV per transport, A/AAAA) as lookup --trace
shows it, the rules of "dns check" applied to the live answers (same ids),
answers that do not fit 512 bytes without EDNS, name servers of the zone
that disagree, TTLs longer than a registration, IPv4- or IPv6-only targets.
Targets: one SIP OPTIONS each, all at once, over its transport: any final
response proves SIP is alive (a 503 says why); ICMP port unreachable, TCP
refused or reset and silence are told apart. TLS: the handshake with SNI the
SIP domain, the chain against the system roots or --ca, and the name check
of RFC 5922 §7 (the domain, not the SRV target, as a sip: URI or dNSName);
expiry within 30 days is a warning.

The text output starts with a one-line summary, then the findings grouped
DNS, targets, TLS. --json prints one object (version 0): findings
(severity, id, subject, message, rfc) and the raw queries and targets as
lookup --json has them, each target with its probe.

Exit status: 0 when there are no errors, 1 when there are, 2 for bad usage,
3 when DNS did not answer.`,
		Example: `  siplocate doctor example.com
  siplocate doctor sips:alice@example.com --dns 127.0.0.1:5353 --ca lab-ca.pem
  siplocate doctor example.com --transport udp,tcp --timeout 1s --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.dns, "dns", nil, "name server: IP, host name or either with :port, repeatable (default: /etc/resolv.conf)")
	fl.StringSliceVar(&f.transports, "transport", []string{"udp", "tcp", "tls"}, "transports to locate and probe: udp,tcp,tls")
	durationVar(fl, &f.timeout, "timeout", 2*time.Second, "timeout of each probe; probes run in parallel")
	durationVar(fl, &f.dnsTimeout, "dns-timeout", 2*time.Second, "timeout of each DNS query attempt")
	fl.StringVar(&f.ca, "ca", "", "PEM file of the CAs that TLS certificates must chain to (default: the system roots)")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (version 0)")
	return cmd
}

// config turns the flags into a doctor.Config; errors are usage errors.
func (f *doctorFlags) config(ctx context.Context, g *globals) (doctor.Config, error) {
	cfg := doctor.Config{Timeout: f.timeout, DNSTimeout: f.dnsTimeout}
	if f.timeout <= 0 || f.dnsTimeout <= 0 {
		return cfg, usageErr("doctor: --timeout and --dns-timeout must be positive")
	}
	for _, s := range f.transports {
		t, ok := locate.ParseTransport(strings.TrimSpace(s))
		if !ok || (t != locate.UDP && t != locate.TCP && t != locate.TLS) {
			return cfg, usageErr("doctor: --transport %q: want udp, tcp or tls", s)
		}
		cfg.Transports = append(cfg.Transports, t)
	}
	if f.ca != "" {
		pool, err := readCA(f.ca)
		if err != nil {
			return cfg, usageErr("doctor: --ca: %w", err)
		}
		cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	servers, err := dnsServers(ctx, f.dns, lookupHostTimeout(f.dnsTimeout))
	if err != nil {
		return cfg, usageErr("doctor: %w", err)
	}
	client, err := dnsclient.New(dnsclient.Config{Servers: servers, Timeout: f.dnsTimeout, Logger: g.logger()})
	if err != nil {
		return cfg, usageErr("doctor: %w", err)
	}
	cfg.Resolver, cfg.Servers = locatedns.New(client), client.Servers()
	return cfg, nil
}

// readCA reads a PEM file of CA certificates.
func readCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// run checks uri and prints the report; see the help for exit statuses.
func (f *doctorFlags) run(ctx context.Context, g *globals, uri string) error {
	cfg, err := f.config(ctx, g)
	if err != nil {
		return err
	}
	rep, cerr := doctor.Check(ctx, uri, cfg)
	if errors.Is(cerr, locate.ErrBadURI) {
		return usageErr("%w", cerr) // "doctor URI: ..."
	}
	if rep == nil {
		return failure(fmt.Errorf("doctor: %w", cerr))
	}
	if f.json {
		err = writeDoctorJSON(g.stdout, uri, rep)
	} else {
		err = writeDoctorText(g.stdout, rep)
	}
	if err != nil {
		return failure(fmt.Errorf("doctor: write output: %w", err))
	}
	switch {
	case errors.Is(cerr, locate.ErrNoDNSAnswer):
		return &exitError{code: exitNoDNSAnswer, err: fmt.Errorf("doctor: %w", cerr)}
	case rep.Count(doctor.Error) > 0:
		return failure(fmt.Errorf("doctor: %s", plural(rep.Count(doctor.Error), "error")))
	}
	return nil
}

// summary is the report's first line: "2 errors, 1 warning: what each
// error is; ...".
func summary(rep *doctor.Report) string {
	errs, warns := rep.Count(doctor.Error), rep.Count(doctor.Warning)
	head := "no errors"
	if errs > 0 {
		head = plural(errs, "error")
	}
	if warns > 0 {
		head += ", " + plural(warns, "warning")
	}
	var what []string
	for _, sev := range []doctor.Severity{doctor.Error, doctor.Warning} {
		for _, fd := range rep.Findings {
			if fd.Severity == sev && (sev == doctor.Error || errs == 0) {
				s, _, _ := strings.Cut(fd.Message, ": ")
				what = append(what, s)
			}
		}
	}
	if len(what) == 0 {
		return head
	}
	return head + ": " + strings.Join(what, "; ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// writeDoctorText prints the summary, then the DNS chain and findings,
// the targets with their probes, and the TLS findings.
func writeDoctorText(w io.Writer, rep *doctor.Report) error {
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, summary(rep))
	fmt.Fprintln(ew, "\nDNS")
	for _, q := range rep.Queries {
		writeQuery(ew, q)
	}
	writeFindings(ew, rep, doctor.AreaDNS)
	fmt.Fprintln(ew, "\ntargets")
	for i, t := range rep.Targets {
		fmt.Fprintf(ew, "%d  %s  priority %d weight %d  %s\n", i+1, t, t.Priority, t.Weight, rep.Probes[i])
	}
	writeFindings(ew, rep, doctor.AreaTarget)
	fmt.Fprintln(ew, "\nTLS")
	writeFindings(ew, rep, doctor.AreaTLS)
	return ew.err
}

// writeFindings prints the findings of one area.
func writeFindings(w io.Writer, rep *doctor.Report, area doctor.Area) {
	n := 0
	for _, fd := range rep.Findings {
		if fd.Area != area {
			continue
		}
		n++
		fmt.Fprintf(w, "%-7s %s  %s\n        %s", fd.Severity, fd.ID, fd.Subject, fd.Message)
		if fd.RFC != "" && !strings.Contains(fd.Message, fd.RFC) {
			fmt.Fprintf(w, " (%s)", fd.RFC)
		}
		fmt.Fprintln(w)
	}
	if n == 0 {
		fmt.Fprintln(w, "(nothing found)")
	}
}

// doctorJSON is the --json shape, version 0: fields are only ever added.
type doctorJSON struct {
	Version  int                `json:"version"`
	URI      string             `json:"uri"`
	Domain   string             `json:"domain"`
	Summary  string             `json:"summary"`
	Findings []findingJSON      `json:"findings"`
	Queries  []queryJSON        `json:"queries"`
	Targets  []doctorTargetJSON `json:"targets"`
}

type findingJSON struct {
	Severity string `json:"severity"`
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Message  string `json:"message"`
	RFC      string `json:"rfc"`
}

// doctorTargetJSON is a target as lookup --json has it, with its probe.
type doctorTargetJSON struct {
	targetJSON
	Probe probeJSON `json:"probe"`
}

type probeJSON struct {
	Outcome    string  `json:"outcome"`
	Status     int     `json:"status,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	RetryAfter int64   `json:"retry_after,omitempty"` // seconds
	RTTms      float64 `json:"rtt_ms"`
	Error      string  `json:"error,omitempty"`
}

// writeDoctorJSON prints rep as one doctorJSON object.
func writeDoctorJSON(w io.Writer, uri string, rep *doctor.Report) error {
	var buf strings.Builder
	if err := writeLookupJSON(&buf, uri, locate.Options{Mode: locate.ModeNAPTR}, &locate.Result{Targets: rep.Targets, Queries: rep.Queries}, nil, true); err != nil {
		return err
	}
	var lj lookupJSON
	if err := json.Unmarshal([]byte(buf.String()), &lj); err != nil {
		return err
	}
	out := doctorJSON{URI: uri, Domain: rep.Domain, Summary: summary(rep), Findings: []findingJSON{}, Queries: lj.Queries, Targets: []doctorTargetJSON{}}
	for _, fd := range rep.Findings {
		out.Findings = append(out.Findings, findingJSON{Severity: fd.Severity.String(), ID: fd.ID, Subject: fd.Subject, Message: fd.Message, RFC: fd.RFC})
	}
	for i, tj := range lj.Targets {
		out.Targets = append(out.Targets, doctorTargetJSON{targetJSON: tj, Probe: probeOf(rep.Probes[i])})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func probeOf(r probe.Result) probeJSON {
	p := probeJSON{Outcome: string(r.Outcome), Status: r.Status, Reason: r.Reason, RetryAfter: int64(r.RetryAfter / time.Second),
		RTTms: float64(r.RTT.Microseconds()) / 1000}
	if r.Err != nil {
		p.Error = r.Err.Error()
	}
	return p
}
