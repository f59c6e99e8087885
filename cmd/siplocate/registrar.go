package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/registrar"
)

// registrarFlags are the flags of `siplocate registrar`.
type registrarFlags struct {
	listen         []string
	transports     []string
	realm          string
	users          string
	noAuth         bool
	algorithms     []string
	minExpires     time.Duration
	maxExpires     time.Duration
	defaultExpires time.Duration
	maxContacts    int
	tcpIdle        time.Duration
	tcpMaxConns    int
	tcpMaxPerIP    int
	fault          string
	usr2Fault      string
	json           bool
	legacyListen   bool // a --listen in the old udp:/tcp: syntax was given
}

func newRegistrarCmd(g *globals) *cobra.Command {
	f := &registrarFlags{}
	cmd := &cobra.Command{
		Use:   "registrar --users FILE [--listen HOST:PORT ...] [--transport udp,tcp]",
		Short: "Run a lab SIP registrar (RFC 3261 §10.3) with digest auth and faults on demand",
		Long: `Run a SIP registrar with bindings in memory, digest authentication and
faults on demand, for labs and failover tests.

It prints one line per event to stdout: answered requests with their
status, bindings registered, unregistered and expired, and messages dropped
with the reason (malformed ones, or everything while silent). With -v it
also prints each request as it is received.

The users file has one user:password per line; # starts a comment.

Signals: SIGUSR1 prints the current bindings; SIGUSR2 toggles the fault
named by --usr2-fault on and off; SIGINT or SIGTERM stops the registrar.

Faults: none, silent (receive and drop everything), 503[:SECONDS] (answer
503 Service Unavailable with Retry-After), refuse-tcp (close the TCP
listeners so connects are refused; UDP keeps answering).`,
		Example: `  siplocate registrar --users users.txt --listen 127.0.0.13:5060
  siplocate registrar --no-auth --min-expires 1s --fault 503:30`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, start, toggle, err := f.config()
			if err != nil {
				return usageErr("registrar: %v", err)
			}
			if f.legacyListen {
				fmt.Fprintln(g.stderr, "siplocate: warning: --listen udp:HOST:PORT and tcp:HOST:PORT are deprecated; use --listen HOST:PORT (UDP and TCP) and --transport")
			}
			cfg.Logger = g.logger()
			return runRegistrar(cmd.Context(), g, f, cfg, start, toggle)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.listen, "listen", []string{"127.0.0.1:5060"}, "HOST:PORT to serve on, over every --transport (repeat)")
	fl.StringSliceVar(&f.transports, "transport", []string{"udp", "tcp"}, "transports each --listen address serves: udp, tcp")
	fl.StringVar(&f.realm, "realm", registrar.DefaultRealm, "digest realm")
	fl.StringVar(&f.users, "users", "", "users file, one user:password per line")
	fl.BoolVar(&f.noAuth, "no-auth", false, "accept every REGISTER without a challenge")
	fl.StringSliceVar(&f.algorithms, "algorithms", []string{"MD5", "SHA-256"}, "digest algorithms offered, one challenge each, in this order")
	durationVar(fl, &f.minExpires, "min-expires", time.Minute, "shortest expiry accepted (shorter gets 423)")
	durationVar(fl, &f.maxExpires, "max-expires", 2*time.Hour, "longest expiry granted")
	durationVar(fl, &f.defaultExpires, "default-expires", time.Hour, "expiry when a REGISTER gives none")
	fl.IntVar(&f.maxContacts, "max-contacts", registrar.DefaultMaxContacts, "bindings one AOR may hold; a REGISTER past it gets 403")
	durationVar(fl, &f.tcpIdle, "tcp-idle-timeout", registrar.DefaultTCPIdleTimeout, "close a TCP connection after this long without a byte (one carrying a binding stays until it expires)")
	fl.IntVar(&f.tcpMaxConns, "tcp-max-conns", 0, "TCP connections held at most; more are closed at once (0: 4096, or the descriptor limit less 64)")
	fl.IntVar(&f.tcpMaxPerIP, "tcp-max-conns-per-ip", registrar.DefaultMaxTCPConnsPerIP, "TCP connections held at most from one IP address")
	fl.StringVar(&f.fault, "fault", "none", "fault from the start: none, silent, 503[:SECONDS], refuse-tcp")
	fl.StringVar(&f.usr2Fault, "usr2-fault", "silent", "fault SIGUSR2 toggles on and off")
	fl.BoolVar(&f.json, "json", false, "print events as JSON lines")
	return cmd
}

// config validates the flags and returns the registrar's configuration,
// the fault to start with and the one SIGUSR2 toggles.
func (f *registrarFlags) config() (cfg registrar.Config, start, toggle registrar.Fault, err error) {
	if cfg.Listen, f.legacyListen, err = f.listens(); err != nil {
		return cfg, start, toggle, err
	}
	if start, err = registrar.ParseFault(f.fault); err != nil {
		return cfg, start, toggle, fmt.Errorf("--fault: %w", err)
	}
	if toggle, err = registrar.ParseFault(f.usr2Fault); err != nil {
		return cfg, start, toggle, fmt.Errorf("--usr2-fault: %w", err)
	}
	if cfg.Users, err = f.loadUsers(); err != nil {
		return cfg, start, toggle, err
	}
	cfg.Realm, cfg.NoAuth, cfg.Algorithms = f.realm, f.noAuth, f.algorithms
	// SIP expiries are whole seconds (RFC 3261 §20.19)
	if f.minExpires < time.Second || f.maxExpires < time.Second || f.defaultExpires < time.Second {
		return cfg, start, toggle, errors.New("--min-expires, --max-expires and --default-expires must be at least 1s")
	}
	cfg.MinExpires, cfg.MaxExpires, cfg.DefaultExpires = f.minExpires.Truncate(time.Second), f.maxExpires.Truncate(time.Second), f.defaultExpires.Truncate(time.Second)
	if f.maxContacts < 1 || f.tcpIdle <= 0 || f.tcpMaxConns < 0 || f.tcpMaxPerIP < 1 {
		return cfg, start, toggle, errors.New("--max-contacts and --tcp-max-conns-per-ip must be at least 1, --tcp-idle-timeout above 0, --tcp-max-conns at least 0")
	}
	cfg.MaxContacts = f.maxContacts
	cfg.TCPIdleTimeout = f.tcpIdle
	cfg.MaxTCPConns, cfg.MaxTCPConnsPerIP = f.tcpMaxConns, f.tcpMaxPerIP
	return cfg, start, toggle, nil
}

// listens returns the sockets of --listen and --transport: each HOST:PORT
// over each transport, as dns serve's --listen is one address for UDP and
// TCP (issue 14). The udp:HOST:PORT and tcp:HOST:PORT of before still give
// one socket each; legacy says one was given.
func (f *registrarFlags) listens() (ls []registrar.Listen, legacy bool, err error) {
	var networks []string
	for _, t := range f.transports {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "udp" && t != "tcp" {
			return nil, false, fmt.Errorf("--transport %q: want udp or tcp", t)
		}
		networks = append(networks, t)
	}
	if len(networks) == 0 {
		networks = []string{"udp", "tcp"}
	}
	for _, s := range f.listen {
		if l, err := registrar.ParseListen(s); err == nil {
			ls, legacy = append(ls, l), true
			continue
		}
		if _, _, err := net.SplitHostPort(s); err != nil {
			return nil, false, fmt.Errorf("--listen %q: want HOST:PORT ([IPv6]:PORT)", s)
		}
		for _, n := range networks {
			ls = append(ls, registrar.Listen{Network: n, Addr: s})
		}
	}
	return ls, legacy, nil
}

// loadUsers reads --users; it is required unless --no-auth.
func (f *registrarFlags) loadUsers() (registrar.Users, error) {
	switch {
	case f.users == "" && !f.noAuth:
		return nil, errors.New("--users FILE is required (or --no-auth)")
	case f.users == "":
		return nil, nil
	}
	users, err := registrar.LoadUsers(f.users)
	if err == nil && len(users) == 0 {
		err = fmt.Errorf("%s: no users (want one user:password per line)", f.users)
	}
	return users, err
}

// runRegistrar serves until ctx ends, answering SIGUSR1 and SIGUSR2.
func runRegistrar(ctx context.Context, g *globals, f *registrarFlags, cfg registrar.Config, start, toggle registrar.Fault) error {
	out := &eventPrinter{w: g.stdout, status: g.stdout, json: f.json, verbose: g.verbose}
	if f.json {
		out.status = g.stderr // stdout stays JSON lines
	}
	cfg.OnEvent = out.event
	r, err := registrar.New(cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	_ = r.SetFault(start) // not running yet: cannot fail
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, sigListBindings, sigToggleFault)
	defer signal.Stop(sigs)
	if err := r.Start(); err != nil {
		return failure(err)
	}
	defer r.Stop()
	out.note(fmt.Sprintf("registrar: listening on %v, realm %q, fault %s", r.Addrs(), cfg.Realm, start))
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-sigs:
			if s == sigListBindings {
				out.bindings(r.Bindings(), time.Now())
				continue
			}
			next := toggle
			if r.Fault().Kind != registrar.FaultNone {
				next = registrar.Fault{}
			}
			if err := r.SetFault(next); err != nil {
				out.note(fmt.Sprintf("registrar: fault %s: %v", next, err))
				continue
			}
			out.note("registrar: fault " + next.String())
		}
	}
}

// eventPrinter writes events and status lines, one at a time.
type eventPrinter struct {
	mu      sync.Mutex
	w       io.Writer // events and bindings
	status  io.Writer // status lines
	json    bool
	verbose bool
}

// jsonEvent is the --json shape of an event, version 0.
type jsonEvent struct {
	Version int       `json:"version"` // 0: the family of lookup and register --json
	Time    time.Time `json:"time"`
	Event   string    `json:"event"`
	Method  string    `json:"method,omitempty"`
	Source  string    `json:"source,omitempty"`
	AOR     string    `json:"aor,omitempty"`
	Contact string    `json:"contact,omitempty"`
	Expires int       `json:"expires,omitempty"`
	Status  int       `json:"status,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

func (p *eventPrinter) event(e registrar.Event) {
	if e.Kind == registrar.EventReceived && !p.verbose {
		return
	}
	if !p.json {
		p.line(e.String())
		return
	}
	b, _ := json.Marshal(jsonEvent{Time: e.Time.UTC(), Event: e.Kind.String(), Method: e.Method, Source: e.Source,
		AOR: e.AOR, Contact: e.Contact, Expires: int(e.Expires.Seconds()), Status: e.Status, Reason: e.Reason})
	p.line(string(b))
}

// jsonBinding is the --json shape of a binding, version 0.
type jsonBinding struct {
	AOR       string `json:"aor"`
	Contact   string `json:"contact"`
	ExpiresIn int    `json:"expires_in"`
	Source    string `json:"source"`
}

func (p *eventPrinter) bindings(bs []registrar.Binding, now time.Time) {
	if p.json {
		list := []jsonBinding{}
		for _, b := range bs {
			list = append(list, jsonBinding{AOR: b.AOR, Contact: b.Contact, ExpiresIn: int(b.Expires.Sub(now).Seconds()), Source: b.Source})
		}
		out, _ := json.Marshal(struct {
			Event    string        `json:"event"`
			Bindings []jsonBinding `json:"bindings"`
		}{"bindings", list})
		p.line(string(out))
		return
	}
	p.line(fmt.Sprintf("bindings: %d", len(bs)))
	for _, b := range bs {
		p.line(fmt.Sprintf("  %s %s expires-in=%d from=%s", logsafe.Quote(b.AOR), logsafe.Quote(b.Contact), int(b.Expires.Sub(now).Seconds()), b.Source))
	}
}

func (p *eventPrinter) line(s string) { p.write(p.w, s) }

func (p *eventPrinter) note(s string) { p.write(p.status, s) }

func (p *eventPrinter) write(w io.Writer, s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(w, s)
}
