package register

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// Locator finds the targets for a SIP URI; *locate.Locator is one.
type Locator interface {
	Locate(ctx context.Context, uri string, opts locate.Options) (*locate.Result, error)
}

// Config configures an Agent.
type Config struct {
	// Accounts are read, not copied: they must not change while Run runs.
	Accounts []Account
	// Locator is shared by every account, and so is its DNS cache.
	Locator Locator
	// OnEvent receives every event; calls are serialised.
	OnEvent func(Event)
	// Logger gets warnings (dropped responses, refused accounts) and, at
	// debug level, sipgo's own logs; nil is silent.
	Logger *slog.Logger
	// TLS is the base for TLS connections (roots, client certificates);
	// its ServerName is replaced by each account's SIP domain (RFC 5922).
	TLS *tls.Config
	// RetryBase and RetryMax bound the wait after a round in which no target
	// took the registration: RetryBase doubled per failed round in a row, at
	// most RetryMax, less up to half at random (RFC 5626 §4.5). Defaults 30 s
	// and 30 min.
	RetryBase, RetryMax time.Duration
	// ShutdownTimeout bounds the unregisters (Expires: 0) that Run sends
	// once its context is done; default 10 s. They go out at most
	// maxInFlight at once; those not sent in time are counted in a warning.
	ShutdownTimeout time.Duration
	// StartSpread spreads the first registrations: each account's first
	// round starts at a random moment within it. Default 1 ms for each
	// account after the first, at most 10 s (a single account starts at
	// once); negative: every account at once. Refreshes are spread too
	// (see Account.RefreshMargin).
	StartSpread time.Duration
	// Clock is the agent's time: the fail-over decisions (records' TTLs,
	// Retry-After), the timers that wake an account for its next round or
	// probe and their arithmetic, events' times and connections' lifetimes.
	// Default the wall clock; a test's fake clock (internal/fakeclock)
	// fits it. Transactions (attempt and probe timeouts, retransmissions)
	// always run on the wall clock, inside the SIP stack.
	Clock Clock
	// Rand defaults to a randomly seeded source.
	Rand *rand.Rand
	// Health, when set, is the target health shared with every account and
	// with sipsend's requests (issue 10): each attempt feeds it, and each
	// round tries the targets it holds last. Give it the agent's clock
	// (Health.Now). nil: each account learns from its own attempts only.
	Health *failover.Health
	// Handler, when set, gets the requests that arrive on the agent's
	// sockets for one of its Contacts, other than OPTIONS (which the agent
	// answers itself, RFC 3261 §11.2): INVITE, ACK, BYE, CANCEL and the
	// rest. It must respond through tx before it returns, as a sipgo
	// server handler does; the transaction ends then. nil: INVITE gets 480
	// Temporarily Unavailable, BYE and CANCEL 481, other methods 405.
	Handler func(req *sip.Request, tx sip.ServerTransaction)
}

// Clock is what the agent reads time from: Now, and timers in the manner
// of time.AfterFunc.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is what Clock.AfterFunc returns; *time.Timer is one. It aliases an
// unnamed interface so that other packages' clocks (internal/fakeclock)
// can return the same type without importing this one.
type Timer = interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// wallClock is the default Clock.
type wallClock struct{}

func (wallClock) Now() time.Time                            { return time.Now() }
func (wallClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// ErrNeverRegistered is returned by Run when an account never registered.
var ErrNeverRegistered = errors.New("never registered")

// ErrDuplicateName is returned by New when two accounts have the same name
// (Account.Name, or the AOR when it has none): events, logs and metrics
// would not tell them apart.
var ErrDuplicateName = errors.New("two accounts with the same name")

// ErrNoValidAccount is returned by Run when every account was refused.
var ErrNoValidAccount = errors.New("register: no valid account")

// Agent keeps a set of accounts registered.
type Agent struct {
	cfg Config
	log *slog.Logger

	emitMu sync.Mutex
	randMu sync.Mutex

	stacksMu sync.Mutex
	stacks   map[stackKey]*stack

	probes probeCache
	rounds chan struct{} // a slot per first registration in flight

	// sip returns the SIP stack for a transport and SIP domain: a.stack,
	// or an in-memory one in tests.
	sip func(t locate.Transport, domain string, bind netip.AddrPort) (sipStack, error)

	sessions atomic.Pointer[[]*session]      // set by Run; read when a connection closes
	contacts atomic.Pointer[map[string]bool] // the Contacts' users, set by Run

	deaf   atomic.Bool  // tests: requests to the agent get no answer at all
	served atomic.Int64 // requests that arrived on the agent's sockets
}

// maxInFlight bounds the first registrations in flight at once, and the
// unregisters at the end, so that 10,000 accounts starting or stopping
// together do not overflow the server's UDP receive buffer and pay for it
// in retransmissions and lost requests. Linux's default receive buffer
// (net.core.rmem_default, 208 KiB) holds about 160 REGISTERs of ~600
// bytes (each costs its buffer's truesize, over 1 KiB); 128 stay under
// that even when the server has fallen behind on all of them. Measured
// with 10,000 accounts against Kamailio (4 children, load 6): 64 or 128 in
// flight, 6,800-10,600 registrations/s; 256, 4,500-5,900; 512, 4,700-6,400
// (none timed out: the losses cost 500 ms retransmissions).
const maxInFlight = 128

// defaultShutdownTimeout is Config.ShutdownTimeout's default.
const defaultShutdownTimeout = 10 * time.Second

// New returns an Agent for cfg. It does no I/O.
func New(cfg Config) (*Agent, error) {
	if cfg.Locator == nil {
		return nil, errors.New("register: no Locator")
	}
	if err := uniqueNames(cfg.Accounts); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = clipLogger(log) // what is logged may come from the network
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	a := &Agent{cfg: cfg, log: log, stacks: map[stackKey]*stack{}, rounds: make(chan struct{}, maxInFlight)}
	a.sip = a.stack
	return a, nil
}

// uniqueNames returns an error naming the first account whose name an
// earlier one has.
func uniqueNames(accounts []Account) error {
	seen := make(map[string]bool, len(accounts))
	for i := range accounts {
		name := accounts[i].name()
		if seen[name] {
			return fmt.Errorf("register: account %q: %w", name, ErrDuplicateName)
		}
		seen[name] = true
	}
	return nil
}

func (a *Agent) now() time.Time { return a.cfg.Clock.Now() }

// afterFunc arms one of the sessions' timers on the agent's clock.
func (a *Agent) afterFunc(d time.Duration, f func()) Timer { return a.cfg.Clock.AfterFunc(d, f) }

// startSpread returns the window over which n accounts' first rounds start.
func (a *Agent) startSpread(n int) time.Duration {
	switch {
	case a.cfg.StartSpread < 0:
		return 0
	case a.cfg.StartSpread > 0:
		return a.cfg.StartSpread
	}
	return min(time.Duration(max(n-1, 0))*time.Millisecond, maxStartSpread)
}

// maxStartSpread caps the default StartSpread.
const maxStartSpread = 10 * time.Second

// random returns a duration uniform in [0, d] from the agent's source.
func (a *Agent) random(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	a.randMu.Lock()
	defer a.randMu.Unlock()
	return time.Duration(a.cfg.Rand.Int64N(int64(d) + 1))
}

// refreshAfter returns how long after a registration granted for granted
// the session of acct refreshes it: a random moment in its refresh window.
func (a *Agent) refreshAfter(acct *Account, granted time.Duration) time.Duration {
	earliest, latest := acct.refreshWindow(granted)
	return earliest + a.random(latest-earliest)
}

// retryWait returns the wait after failures failed rounds in a row.
func (a *Agent) retryWait(failures int) time.Duration {
	base, maxWait := a.cfg.RetryBase, a.cfg.RetryMax
	if base <= 0 {
		base = 30 * time.Second
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Minute
	}
	w := base
	for i := 1; i < failures && w < maxWait; i++ {
		w *= 2
	}
	w = min(w, maxWait)
	return w - a.random(w/2)
}

// emit delivers e, one call at a time, and logs it at debug level (its
// String, made only when debug is on). e.Time is taken under the lock
// that serialises the calls, so that OnEvent sees the events of every
// session in the order of their times (issue 14: stamped before it, two
// sessions' events could arrive in the other order).
func (a *Agent) emit(e Event) {
	a.emitMu.Lock()
	defer a.emitMu.Unlock()
	e.Time = a.now()
	a.log.Debug("event", "account", e.Account, "kind", string(e.Kind), "event", e)
	if a.cfg.OnEvent != nil {
		a.cfg.OnEvent(e)
	}
}

// sipStack is the seam between a session and the SIP stack: the local
// address (the Contact's host and port) that a binding at t gets, making
// the socket or the connection, with the TCP or TLS connection (nil on
// UDP); and one client transaction, its response or a classified error.
// *stack is the real one; tests put rounds, failover and refreshes on one
// in memory.
type sipStack interface {
	localAddr(ctx context.Context, t locate.Target) (netip.AddrPort, *flow, error)
	transact(ctx context.Context, t locate.Target, req *sip.Request, timeout time.Duration) (*sip.Response, failover.Outcome, error)
}

// stackKey tells the agent's stacks apart: one per local address, and
// for TLS one per SIP domain too (tlsName; "" for UDP and TCP).
type stackKey struct {
	tlsName string
	bind    netip.AddrPort
}

// stack returns the shared SIP stack for a transport, SIP domain and
// local address.
func (a *Agent) stack(t locate.Transport, domain string, bind netip.AddrPort) (sipStack, error) {
	key := stackKey{bind: bind}
	if t == locate.TLS {
		key.tlsName = domain
	}
	a.stacksMu.Lock()
	defer a.stacksMu.Unlock()
	if st, ok := a.stacks[key]; ok {
		return st, nil
	}
	var tc *tls.Config
	if key.tlsName != "" {
		tc = &tls.Config{}
		if a.cfg.TLS != nil {
			tc = a.cfg.TLS.Clone()
		}
		tc.ServerName = key.tlsName
	}
	st, err := newStack(tc, a.log.WithGroup("sipgo"), a.now, a.flowClosed, a.serveRequest, bind)
	if err != nil {
		return nil, err
	}
	a.stacks[key] = st
	return st, nil
}

// Run keeps every valid account registered until ctx is done, then
// unregisters them (Expires: 0) and returns. An account with a bad
// configuration is refused (a Refused event and a warning) and the others
// go on. The error wraps ErrNeverRegistered when an account never
// registered, or says that no account was valid.
func (a *Agent) Run(ctx context.Context) error {
	sessions := a.newSessions()
	if len(sessions) == 0 {
		return ErrNoValidAccount
	}
	a.sessions.Store(&sessions)
	a.contacts.Store(contactUsers(sessions))
	started := a.start(ctx, sessions)
	<-ctx.Done()
	started.Wait()
	for _, s := range sessions {
		s.stop()
	}
	a.unregisterAll(sessions)
	a.closeStacks()
	return neverRegistered(sessions)
}

// contactUsers returns the set of the sessions' Contact users.
func contactUsers(sessions []*session) *map[string]bool {
	m := make(map[string]bool, len(sessions))
	for _, s := range sessions {
		m[s.contactUser()] = true
	}
	return &m
}

// newSessions returns a session for each valid account, and refuses the
// others. The sessions point into Config.Accounts.
func (a *Agent) newSessions() []*session {
	accounts := a.cfg.Accounts
	var sessions []*session
	for i := range accounts {
		s, err := newSession(a, &accounts[i])
		if err != nil {
			a.log.Warn("account refused", "account", accounts[i].name(), "err", err)
			a.emit(Event{Time: a.now(), Account: accounts[i].name(), Kind: Refused, Err: err})
			continue
		}
		sessions = append(sessions, s)
	}
	return sessions
}

// start runs every session's first round, at most maxInFlight at once,
// each at a random moment within the start spread, on the sessions'
// timers; without a spread they begin here. It returns when those have
// begun or ctx is done; wait on the result for them.
func (a *Agent) start(ctx context.Context, sessions []*session) *sync.WaitGroup {
	var wg sync.WaitGroup
	spread := a.startSpread(len(sessions))
	for _, s := range sessions {
		if spread > 0 {
			s.schedule(ctx, a.random(spread))
			continue
		}
		if !acquire(ctx, a.rounds) {
			return &wg
		}
		wg.Go(func() { s.start(ctx, func() { <-a.rounds }) })
	}
	return &wg
}

// flowClosed tells the sessions registered over f that it closed. It
// costs a look at each session, once per closed connection, and no memory
// per account beyond the session's own two pointers.
func (a *Agent) flowClosed(f *flow) {
	sessions := a.sessions.Load()
	if sessions == nil {
		return
	}
	for _, s := range *sessions {
		s.flowClosed(f)
	}
}

// unregisterAll removes every session's binding, at most maxInFlight at
// once and within the shutdown timeout (RFC 3261 §10.2.2: Expires 0).
func (a *Agent) unregisterAll(sessions []*session) {
	timeout := a.cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = defaultShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	slots := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	unsent := 0
	for _, s := range sessions {
		if !s.registered {
			continue
		}
		if !acquire(ctx, slots) {
			unsent++
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			s.unregister(ctx)
		})
	}
	wg.Wait()
	if unsent > 0 {
		a.log.Warn("unregisters not sent: shutdown timeout reached", "count", unsent, "timeout", timeout)
	}
}

// acquire takes a slot, and reports false when ctx ends first.
func acquire(ctx context.Context, slots chan struct{}) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (a *Agent) closeStacks() {
	a.stacksMu.Lock()
	defer a.stacksMu.Unlock()
	for k, st := range a.stacks {
		st.close()
		delete(a.stacks, k)
	}
}

// neverRegistered returns an error naming the sessions that never
// registered, or nil.
func neverRegistered(sessions []*session) error {
	var names []string
	for _, s := range sessions {
		if !s.everRegistered {
			names = append(names, s.acct.name())
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("register: %q: %w", names, ErrNeverRegistered)
}
