// Package demo runs the guide's whole scenario on loopback: a DNS server
// with the guide's NAPTR, SRV and A records, a primary and a backup
// registrar, and a phone that locates them, registers with the primary,
// fails over to the backup when the primary stops answering and fails back
// when it returns. It is what `siplocate demo` runs, and its tests run it in
// every DNS mode and fail-over mode.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
	"github.com/siplocate/siplocate/register"
)

// The demo account, known to both registrars.
const (
	User     = "1001"
	Password = "demo-secret"
)

// Config says how to play the scenario. The zero value is the guide's:
// NAPTR mode, the default fail-over mode, UDP, sip1 at 127.0.0.13 and sip2
// at 127.0.0.12 on port 5060, with timers short enough for the whole run to
// take about 20 seconds.
type Config struct {
	DNSMode      locate.Mode      // default locate.ModeNAPTR
	FailoverMode failover.Mode    // default failover.Default
	Transport    locate.Transport // default locate.UDP

	Primary, Backup string // registrar IPs; default 127.0.0.13 and 127.0.0.12
	SIPPort         int    // default 5060
	DNSListen       string // default 127.0.0.1:0 (a free port)

	Expires        time.Duration // registration expiry; default 6 s
	TTL            time.Duration // DNS records' TTL; default 15 s
	AttemptTimeout time.Duration // one unanswered REGISTER; default 1 s
	DNSTimeout     time.Duration // each DNS query attempt of the phone; default 1 s
	Probe          time.Duration // the agent's --probe; default off, like the phone

	Out       io.Writer // the timeline; nil: nowhere
	JSON      bool      // the timeline as JSON lines
	WallClock bool      // text lines with the wall clock's time, not the offset
}

func (c *Config) dnsMode() locate.Mode { return or(c.DNSMode, locate.ModeNAPTR) }
func (c *Config) failoverMode() failover.Mode {
	if c.dnsMode() == locate.ModeStatic {
		return failover.Static
	}
	return or(c.FailoverMode, failover.Default)
}
func (c *Config) transport() locate.Transport { return or(c.Transport, locate.UDP) }
func (c *Config) primary() string             { return or(c.Primary, "127.0.0.13") }
func (c *Config) backup() string              { return or(c.Backup, "127.0.0.12") }
func (c *Config) sipPort() int                { return or(c.SIPPort, 5060) }
func (c *Config) dnsListen() string           { return or(c.DNSListen, "127.0.0.1:0") }
func (c *Config) expires() time.Duration      { return or(c.Expires, 6*time.Second) }
func (c *Config) ttl() time.Duration          { return or(c.TTL, 15*time.Second) }
func (c *Config) dnsTimeout() time.Duration   { return or(c.DNSTimeout, time.Second) }
func (c *Config) attemptTimeout() time.Duration {
	return or(c.AttemptTimeout, time.Second)
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// maxTries is the phone's "3 tries" before it moves on.
const maxTries = 3

// Report is what a run showed.
type Report struct {
	Lines []Line
	Steps []string // the steps that happened, in order
}

// StepError names the step of the scenario that did not happen.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %q: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// Run plays the scenario and returns its report; the error is a
// *StepError naming the first step that did not happen.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	tl := NewTimeline(cfg.Out, cfg.JSON, nil)
	if cfg.WallClock {
		tl.WallClock()
	}
	tl.Add("demo", "start", "scenario: DNS mode %s, fail-over mode %s, %s", cfg.dnsMode(), cfg.failoverMode(), cfg.transport())
	l, err := startLab(&cfg, tl)
	if err != nil {
		return &Report{Lines: tl.Lines()}, &StepError{Step: "start", Err: err}
	}
	defer l.close()
	p, err := startPhone(ctx, &cfg, l, tl)
	if err != nil {
		return &Report{Lines: tl.Lines()}, &StepError{Step: "start", Err: err}
	}
	sc := &scenario{cfg: &cfg, lab: l, phone: p, tl: tl}
	err = sc.play(ctx)
	p.stop()
	sc.steps = append(sc.steps, p.unregistered()...)
	return &Report{Lines: tl.Lines(), Steps: sc.steps}, err
}

// phone is the registration agent of the demo, running in the background.
type phone struct {
	events chan register.Event
	cancel context.CancelFunc
	done   chan error
}

func startPhone(ctx context.Context, cfg *Config, l *lab, tl *Timeline) (*phone, error) {
	client, err := dnsclient.New(dnsclient.Config{Servers: []string{l.dnsAddr}, Timeout: cfg.dnsTimeout()})
	if err != nil {
		return nil, fmt.Errorf("demo DNS client: %w", err)
	}
	acct := register.Account{
		Name:           "phone",
		AOR:            fmt.Sprintf("sip:%s@%s", User, Domain),
		Password:       Password,
		Server:         Domain,
		Transports:     []locate.Transport{cfg.transport()},
		DNSMode:        cfg.dnsMode(),
		FailoverMode:   cfg.failoverMode(),
		Expires:        cfg.expires(),
		MaxTries:       maxTries,
		AttemptTimeout: cfg.attemptTimeout(),
		Probe:          cfg.Probe,
	}
	port := strconv.Itoa(cfg.sipPort())
	switch cfg.dnsMode() {
	case locate.ModeStatic: // the configured IPs carry the port
		acct.PrimaryIP = net.JoinHostPort(cfg.primary(), port)
		acct.BackupIPs = []string{net.JoinHostPort(cfg.backup(), port)}
	case locate.ModeA:
		// A records carry no port: it comes from the URI, 5060 when it has
		// none (RFC 3263 §4.2). The SRV records of the other modes have it.
		if cfg.sipPort() != 5060 {
			acct.Server = net.JoinHostPort(Domain, port)
		}
	}
	p := &phone{events: make(chan register.Event, 1024), done: make(chan error, 1)}
	agent, err := register.New(register.Config{
		Accounts: []register.Account{acct},
		Locator:  tracingLocator{loc: &locate.Locator{Resolver: locatedns.New(client)}, tl: tl},
		OnEvent: func(e register.Event) {
			phoneLine(tl, e)
			select {
			case p.events <- e:
			default: // the scenario has stopped listening
			}
		},
		RetryBase: time.Second,
		RetryMax:  2 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("demo phone: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	p.cancel = cancel
	go func() { p.done <- agent.Run(runCtx) }()
	return p, nil
}

// stop cancels the agent, which unregisters, and waits for it (bounded).
func (p *phone) stop() {
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// unregistered returns "unregister" when the agent removed its binding.
func (p *phone) unregistered() []string {
	for {
		select {
		case e := <-p.events:
			if e.Kind == register.Unregistered {
				return []string{"unregister"}
			}
		default:
			return nil
		}
	}
}

// phoneLine puts one of the agent's events on the timeline, in the words
// of register.Event's String, as siplocate register prints them.
func phoneLine(tl *Timeline, e register.Event) {
	tl.Add("phone", string(e.Kind), "%s", e.String())
}

// isAt reports whether e is a registration with the registrar at ip.
func isAt(e register.Event, ip string) bool {
	switch e.Kind {
	case register.Registered, register.FailedOver, register.FailedBack:
		return e.Target.Addr == netip.MustParseAddr(ip)
	}
	return false
}

var errTimeout = errors.New("did not happen in time")
