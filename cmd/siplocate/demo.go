package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/demo"
	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// demoFlags are the flags of `siplocate demo`.
type demoFlags struct {
	dnsMode, failoverMode, transport string
	primary, backup, dnsListen       string
	sipPort                          int
	expires, ttl, attempt, probe     time.Duration
	dnsTimeout                       time.Duration
	json                             bool
	timestamps                       string
}

func newDemoCmd(g *globals) *cobra.Command {
	f := &demoFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play the guide's scenario on loopback: lookup, register, failover, failback",
		Long: `demo starts a DNS server with the guide's NAPTR, SRV and A records, a primary
registrar (sip1, 127.0.0.13) and a backup (sip2, 127.0.0.12), and a phone that
locates them and registers. Then the primary stops answering, the phone fails
over to the backup, the primary returns and the phone fails back. Each step is
shown as a timeline; the exit status is 0 when every step happened and 1,
naming the step, when one did not.

--dns-mode and --failover-mode replay the scenario as the phone's other
settings would: "saved-until-no-response" stays with the backup, for one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dnsMode, "dns-mode", "naptr", "the phone's DNS mode: a, srv, naptr or static")
	fl.StringVar(&f.failoverMode, "failover-mode", "default", "default, saved-until-ttl or saved-until-no-response")
	fl.StringVar(&f.transport, "transport", "udp", "udp or tcp")
	fl.StringVar(&f.primary, "primary-ip", "127.0.0.13", "the primary registrar's IP (sip1; in static mode the phone's primary IP)")
	fl.StringVar(&f.backup, "backup-ip", "127.0.0.12", "the backup registrar's IP (sip2; in static mode the phone's backup IP)")
	fl.IntVar(&f.sipPort, "sip-port", 5060, "the registrars' port, in every DNS mode (the SRV records', the URI's in a mode, the configured IPs' in static)")
	fl.StringVar(&f.dnsListen, "dns-listen", "127.0.0.1:0", "the DNS server's address (port 0: a free one)")
	durationVar(fl, &f.expires, "expires", 6*time.Second, "registration expiry")
	durationVar(fl, &f.ttl, "ttl", 15*time.Second, "TTL of the DNS records")
	durationVar(fl, &f.attempt, "attempt-timeout", time.Second, "how long one REGISTER waits for an answer")
	durationVar(fl, &f.probe, "probe", 0, "probe the servers with OPTIONS this often (0: like the phone, no probes)")
	durationVar(fl, &f.dnsTimeout, "dns-timeout", time.Second, "timeout of each DNS query attempt of the phone")
	fl.BoolVar(&f.json, "json", false, "print the timeline as JSON lines")
	fl.StringVar(&f.timestamps, "timestamps", "relative", "timeline times: relative (seconds since the start) or wall (UTC, RFC 3339)")
	deprecatedAlias(fl, "primary", "primary-ip")
	deprecatedAlias(fl, "backup", "backup-ip")
	return cmd
}

func runDemo(cmd *cobra.Command, g *globals, f *demoFlags) error {
	cfg, err := f.config()
	if err != nil {
		return err
	}
	if cfg.WallClock, err = timestampsFlag(f.timestamps); err != nil {
		return err
	}
	cfg.Out = g.stdout
	cfg.JSON = f.json
	rep, err := demo.Run(cmd.Context(), cfg)
	var se *demo.StepError
	if errors.As(err, &se) {
		return failure(err)
	}
	if err != nil {
		return err
	}
	if !f.json {
		fmt.Fprintf(g.stdout, "\nevery step happened: %v\n", rep.Steps)
	}
	return nil
}

// config turns the flags into a demo.Config.
func (f *demoFlags) config() (demo.Config, error) {
	mode := locate.Mode(f.dnsMode)
	switch mode {
	case locate.ModeA, locate.ModeSRV, locate.ModeNAPTR, locate.ModeStatic:
	default:
		return demo.Config{}, usageErr("--dns-mode %q: want a, srv, naptr or static", f.dnsMode)
	}
	fm, err := failover.ParseMode(f.failoverMode)
	if err != nil || fm == failover.Static {
		return demo.Config{}, usageErr("--failover-mode %q: want default, saved-until-ttl or saved-until-no-response", f.failoverMode)
	}
	tr, ok := locate.ParseTransport(f.transport)
	if !ok || (tr != locate.UDP && tr != locate.TCP) {
		return demo.Config{}, usageErr("--transport %q: want udp or tcp", f.transport)
	}
	if f.sipPort < 1 || f.sipPort > 65535 {
		return demo.Config{}, usageErr("--sip-port %d: want 1 to 65535", f.sipPort)
	}
	return demo.Config{
		DNSMode: mode, FailoverMode: fm, Transport: tr,
		Primary: f.primary, Backup: f.backup, SIPPort: f.sipPort, DNSListen: f.dnsListen,
		Expires: f.expires, TTL: f.ttl, AttemptTimeout: f.attempt, Probe: f.probe, DNSTimeout: f.dnsTimeout,
	}, nil
}
