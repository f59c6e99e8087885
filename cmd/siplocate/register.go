package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
	"github.com/siplocate/siplocate/register"
)

// registerFlags are the flags of `siplocate register`.
type registerFlags struct {
	config         string
	server         string
	user           string
	aor            string
	authUser       string
	password       string
	outboundProxy  string
	dns            []string
	dnsTimeout     time.Duration
	dnsMode        string
	failoverMode   string
	primaryIP      string
	backupIPs      []string
	expires        time.Duration
	transports     []string
	probe          time.Duration
	attemptTimeout time.Duration
	maxTries       int
	json           bool
	timestamps     string
	metrics        string
	http           string
	startSpread    time.Duration
	duration       time.Duration
	once           bool
	bindAddr       string
	contactHost    string
}

func newRegisterCmd(g *globals) *cobra.Command {
	f := &registerFlags{}
	cmd := &cobra.Command{
		Use:   "register [--config phone.toml | --server DOMAIN --user USER --password PW] [flags]",
		Short: "Stay registered with SIP servers found through DNS, failing over and back as they fail",
		Long: `Register one or more SIP accounts and keep them registered: locate the
servers (RFC 3263, or the phone's other DNS modes), register with the best
one, refresh before expiry, and move to the next server on no answer (3
attempts of --attempt-timeout), at once on a transport error (ICMP port
unreachable, TCP refused or reset) and on 503, as RFC 3263 §4.3 says.
--failover-mode is the phone's "DNS SRV Fail-over Mode". --probe sends SIP
OPTIONS to the current and better servers so a dead one is noticed before
the registration runs out and a better one is taken back at once.

Every change of state is printed as a timeline (offsets from the start, or
the wall clock's time with --timestamps wall), or
as JSON lines (version 0) with --json. Ctrl-C unregisters and exits.

Accounts come from --config (a TOML file with [[account]] tables; see
docs/register.md) or from the flags; flags given with --config override
every account's setting, except --user, --aor, --auth-user and --password,
which name one account and are refused with --config. A bad account is refused with the key and reason
and the others go on.

Exit status: 0 when every valid account registered, 1 when one never did,
2 for bad usage or a bad file, or when every account was refused.`,
		Example: `  siplocate register --server example.com --user alice --password secret --dns 127.0.0.53:53
  siplocate register --config phone.toml --probe 2s --json
  siplocate register --server example.com --user alice --password secret \
      --dns-mode static --primary-ip 192.0.2.13 --backup-ip 192.0.2.12 --once`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.Context(), g, cmd.Flags())
		},
	}
	f.bind(cmd.Flags())
	cmd.AddCommand(newRegisterStatusCmd(g))
	return cmd
}

func (f *registerFlags) bind(fl *pflag.FlagSet) {
	fl.StringVar(&f.config, "config", "", "TOML file with [[account]] tables")
	fl.StringVar(&f.server, "server", "", `SIP server: domain, IP[:port] or a URI sip[s]:[USER@]HOST[:PORT][;transport=T] (the phone's "SIP Server")`)
	fl.StringVar(&f.user, "user", "", `user part of the address of record (the phone's "SIP User ID")`)
	fl.StringVar(&f.aor, "aor", "", "address of record, sip:user@domain (default sip:USER@SERVER)")
	fl.StringVar(&f.authUser, "auth-user", "", `digest user name (the phone's "Authenticate ID"; default USER)`)
	fl.StringVar(&f.password, "password", "", "digest password")
	fl.StringVar(&f.bindAddr, "bind", "", "local IP[:PORT] of the SIP sockets of every transport, in Via and Contact (default any address, a random port)")
	fl.StringVar(&f.contactHost, "contact-host", "", "HOST[:PORT] in the Contact instead of the local address (a public address behind NAT)")
	fl.StringVar(&f.outboundProxy, "outbound-proxy", "", "locate and send to this host instead; the Request-URI stays SERVER")
	fl.StringSliceVar(&f.dns, "dns", nil, "name server host:port, repeatable (default: /etc/resolv.conf)")
	durationVar(fl, &f.dnsTimeout, "dns-timeout", 2*time.Second, "timeout of each DNS query attempt")
	fl.StringVar(&f.dnsMode, "dns-mode", "naptr", "DNS mode: naptr, srv, a or static")
	fl.StringVar(&f.failoverMode, "failover-mode", "default", "fail-over mode: default, saved-until-ttl or saved-until-no-response")
	fl.StringVar(&f.primaryIP, "primary-ip", "", "static DNS mode with a domain --server: the primary server, ip or ip:port")
	fl.StringSliceVar(&f.backupIPs, "backup-ip", nil, "static DNS mode with a domain --server: backup servers, ip or ip:port, repeatable")
	durationVar(fl, &f.expires, "expires", register.DefaultExpires, "registration expiry asked for")
	fl.StringSliceVar(&f.transports, "transport", nil, "transports to use: udp, tcp, tls (default udp,tcp)")
	durationVar(fl, &f.probe, "probe", 0, "probe the current and better servers this often (0: off)")
	durationVar(fl, &f.attemptTimeout, "attempt-timeout", register.DefaultAttemptTimeout, "time one REGISTER transaction waits for an answer")
	fl.IntVar(&f.maxTries, "max-tries", 3, "unanswered attempts before the next server")
	fl.BoolVar(&f.json, "json", false, "print events as JSON lines (version 0)")
	fl.StringVar(&f.timestamps, "timestamps", "relative", "timeline times: relative (seconds since the start) or wall (UTC, RFC 3339)")
	fl.StringVar(&f.http, "http", "", "serve Prometheus metrics (/metrics) and the accounts' state (/status) on this address, host:port")
	fl.StringVar(&f.metrics, "metrics", "", "deprecated: the old name of --http, which serves /status too")
	durationVar(fl, &f.startSpread, "start-spread", 0, "start the accounts' first registrations at random within this (default 1ms per account after the first, at most 10s; negative: all at once)")
	durationVar(fl, &f.duration, "duration", 0, "unregister and exit after this long (0: until Ctrl-C)")
	fl.BoolVar(&f.once, "once", false, "unregister and exit once every account has registered or failed a round")
}

// run loads the accounts, starts the agent and prints its events.
func (f *registerFlags) run(ctx context.Context, g *globals, fl *pflag.FlagSet) error {
	wall, err := timestampsFlag(f.timestamps)
	if err != nil {
		return err
	}
	file, err := f.load(fl)
	if err != nil {
		return usageErr("register: %v", err)
	}
	client, err := dnsclient.New(dnsclient.Config{Servers: file.DNS, Timeout: file.DNSTimeout.Duration, Logger: g.logger()})
	if err != nil && needsResolver(file.Accounts) {
		return usageErr("register: %v", err)
	}
	loc := &locate.Locator{}
	if client != nil {
		loc.Resolver = locatedns.New(client)
	}
	out := newTimeline(g.stdout, f.json, time.Now())
	out.wall = wall
	obs := []func(register.Event){out.print}
	ctx, cancel := f.lifetime(ctx, len(file.Accounts), &obs)
	defer cancel()
	return f.runAgent(ctx, g, file, loc, client, obs)
}

// runAgent runs the agent until ctx is done, serving its metrics and the
// DNS client's when asked, and maps its error to the exit status.
func (f *registerFlags) runAgent(ctx context.Context, g *globals, file *phoneFile, loc register.Locator, client *dnsclient.Client, obs []func(register.Event)) error {
	log := g.logger().With("component", "register")
	onEvent := func(e register.Event) {
		for _, o := range obs {
			o(e)
		}
	}
	if err := duplicateName(file.Accounts); err != nil {
		return usageErr("%w", err)
	}
	var accounts []register.Account
	for _, p := range file.Accounts {
		if p.refused != nil { // a table that could not be read, refused as the agent refuses
			log.Warn("account refused", "account", p.refused.Account, "err", p.refused)
			onEvent(register.Event{Time: time.Now(), Account: p.refused.Account, Kind: register.Refused, Err: p.refused})
			continue
		}
		accounts = append(accounts, p.account())
	}
	a, err := register.New(register.Config{
		Accounts:    accounts,
		Locator:     loc,
		Logger:      log,
		OnEvent:     onEvent,
		StartSpread: file.StartSpread.Duration,
	})
	if errors.Is(err, register.ErrDuplicateName) {
		return usageErr("%w", err)
	}
	if err != nil {
		return failure(err)
	}
	addr, err := httpAddr(f.http, file.Metrics)
	if err != nil {
		return usageErr("register: %w", err)
	}
	stopHTTP, err := serveRegisterHTTP(g, addr, a, client)
	if err != nil {
		return failure(fmt.Errorf("register: %w", err))
	}
	defer stopHTTP()
	defer watchSignals(ctx, g, a, f.json)()
	if err := a.Run(ctx); err != nil {
		if errors.Is(err, register.ErrNoValidAccount) { // bad flags or a bad file
			return usageErr("%w", err)
		}
		return failure(err)
	}
	return nil
}

// lifetime returns the context the agent runs in: ctx, shortened by
// --duration, and cancelled by --once when every account has registered
// or failed a round (a refused account counts as done).
func (f *registerFlags) lifetime(ctx context.Context, accounts int, obs *[]func(register.Event)) (context.Context, context.CancelFunc) {
	cancelDuration := context.CancelFunc(func() {})
	if f.duration > 0 {
		ctx, cancelDuration = context.WithTimeout(ctx, f.duration)
	}
	ctx, cancel := context.WithCancel(ctx)
	if f.once {
		done := map[string]bool{}
		*obs = append(*obs, func(e register.Event) {
			switch e.Kind {
			case register.Registered, register.RoundFailed, register.Refused:
				done[e.Account] = true
			}
			if len(done) >= accounts {
				cancel()
			}
		})
	}
	return ctx, func() { cancel(); cancelDuration() }
}

// needsResolver reports whether an account may need DNS.
func needsResolver(accounts []phoneAccount) bool {
	for _, a := range accounts {
		if a.DNSMode != string(locate.ModeStatic) || a.PrimaryIP == "" && len(a.BackupIPs) == 0 && !isIP(a.SIPServer) {
			return true
		}
	}
	return false
}

// isIP reports whether s is an IP address with an optional port.
func isIP(s string) bool {
	u, err := locate.ParseURI("sip:" + s)
	return err == nil && u.IP.IsValid()
}

// load reads --config (if given) and applies the flags that were set on
// top of every account; without --config the flags make one account.
func (f *registerFlags) load(fl *pflag.FlagSet) (*phoneFile, error) {
	file := &phoneFile{}
	var tables []map[string]any
	if f.config != "" {
		if err := checkAccountFlags(fl); err != nil {
			return nil, err
		}
		text, err := os.ReadFile(f.config)
		if err != nil {
			return nil, err
		}
		if file, err = parsePhoneFile(f.config, string(text)); err != nil {
			return nil, err
		}
		tables = accountValues(string(text))
	} else {
		if f.server == "" || f.user == "" && f.aor == "" && uriUser(f.server) == "" {
			return nil, errors.New("want --config, or --server with --user (or --aor, or a user in it: sip:alice@example.com)")
		}
		file.Accounts = []phoneAccount{{}}
	}
	if fl.Changed("dns") || len(file.DNS) == 0 {
		file.DNS = f.dns
	}
	if fl.Changed("dns-timeout") || file.DNSTimeout.Duration == 0 {
		file.DNSTimeout.Duration = f.dnsTimeout
	}
	if fl.Changed("metrics") {
		file.Metrics = f.metrics
	}
	if fl.Changed("start-spread") {
		file.StartSpread.Duration = f.startSpread
	}
	for i := range file.Accounts {
		p := &file.Accounts[i]
		var table map[string]any
		if i < len(tables) {
			table = tables[i]
		}
		f.override(fl, p, f.config == "")
		if p.refused == nil {
			p.refused = p.expandServer()
		}
		if p.Name == "" && f.config == "" {
			p.Name = p.UserID
		}
		p.refused = p.check(givenKeys(fl, table))
	}
	return file, nil
}

// accountFlags name one account; with --config they would rewrite every
// account in the file with the same identity (issue 14).
var accountFlags = []string{"user", "aor", "auth-user", "password", "password-file"}

// checkAccountFlags refuses the flags that name one account with --config.
func checkAccountFlags(fl *pflag.FlagSet) error {
	for _, name := range accountFlags {
		if fl.Changed(name) {
			return fmt.Errorf("--%s names one account: with --config, set it in the file's [[account]] tables", name)
		}
	}
	if s, _ := fl.GetString("server"); uriUser(s) != "" {
		return fmt.Errorf("--server %q names one account (its user part): with --config, give the server without a user", s)
	}
	return nil
}

// uriUser returns the user part of a --server given as a SIP URI.
func uriUser(s string) string {
	if !strings.HasPrefix(strings.ToLower(s), "sip:") && !strings.HasPrefix(strings.ToLower(s), "sips:") {
		return ""
	}
	u, err := locate.ParseURI(s)
	if err != nil {
		return ""
	}
	return u.User
}

// override sets a's settings from the flags that were given (all of them,
// defaults included, when all is true: there is no file).
func (f *registerFlags) override(fl *pflag.FlagSet, a *phoneAccount, all bool) {
	set := func(name string) bool { return all || fl.Changed(name) }
	strs := []struct {
		flag string
		dst  *string
		val  string
	}{
		{flag: "server", dst: &a.SIPServer, val: f.server},
		{flag: "user", dst: &a.UserID, val: f.user},
		{flag: "aor", dst: &a.AOR, val: f.aor},
		{flag: "auth-user", dst: &a.AuthID, val: f.authUser},
		{flag: "password", dst: &a.Password, val: f.password},
		{flag: "outbound-proxy", dst: &a.OutboundProxy, val: f.outboundProxy},
		{flag: "dns-mode", dst: &a.DNSMode, val: f.dnsMode},
		{flag: "failover-mode", dst: &a.FailoverMode, val: f.failoverMode},
		{flag: "primary-ip", dst: &a.PrimaryIP, val: f.primaryIP},
		{flag: "bind", dst: &a.Bind, val: f.bindAddr},
		{flag: "contact-host", dst: &a.ContactHost, val: f.contactHost},
	}
	for _, s := range strs {
		if set(s.flag) {
			*s.dst = s.val
		}
	}
	durs := []struct {
		flag string
		dst  *duration
		val  time.Duration
	}{
		{flag: "expires", dst: &a.RegisterExpiration, val: f.expires},
		{flag: "probe", dst: &a.Probe, val: f.probe},
		{flag: "attempt-timeout", dst: &a.AttemptTimeout, val: f.attemptTimeout},
	}
	for _, d := range durs {
		if set(d.flag) {
			d.dst.Duration = d.val
		}
	}
	if set("backup-ip") {
		a.BackupIPs = f.backupIPs
	}
	if set("transport") {
		a.Transports = f.transports
	}
	if set("max-tries") {
		a.MaxTries = f.maxTries
	}
	if a.Name == "" && a.UserID != "" && all {
		a.Name = a.UserID
	}
}
