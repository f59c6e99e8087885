package registrar

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// ErrRunning and ErrStopped report Start and Stop called out of turn.
var (
	ErrRunning = errors.New("registrar already running")
	ErrStopped = errors.New("registrar not running")
)

// Registrar is an RFC 3261 §10.3 registrar. Its bindings live in memory and
// outlast Stop, so a stopped registrar can Start again with them.
type Registrar struct {
	cfg    Config
	log    *slog.Logger
	auth   *authenticator
	store  *store
	parser *sip.Parser
	stats  counters
	tcp    *tcpConns // across runs and listeners

	eventMu sync.Mutex // one OnEvent call at a time

	fault atomic.Pointer[Fault] // read on every message, without mu
	mu    sync.Mutex            // guards run and the TCP side of faults
	run   *run                  // nil when stopped
}

// counters are the registrar's statistics.
type counters struct {
	received, answered, dropped, malformed  atomic.Uint64
	acceptErrors, tcpRefused, tcpIdleClosed atomic.Uint64
}

// Stats counts messages since New.
type Stats struct {
	Received  uint64 // requests that passed validation
	Answered  uint64 // final responses handed to sipgo to send
	Dropped   uint64 // messages dropped unanswered, malformed ones included
	Malformed uint64 // messages dropped as malformed

	AcceptErrors  uint64 // failed TCP accepts (too many open files...), each retried after a back-off
	TCPRefused    uint64 // TCP connections closed at once, over MaxTCPConns or MaxTCPConnsPerIP
	TCPIdleClosed uint64 // TCP connections closed after TCPIdleTimeout without a byte
	TCPConns      int    // TCP connections held now
}

// New checks cfg and returns a stopped registrar.
func New(cfg Config) (*Registrar, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("registrar: %w", err)
	}
	secret := cfg.Secret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	}
	cfg.Users = maps.Clone(cfg.Users) // the caller may change its map
	r := &Registrar{cfg: cfg, log: cfg.logger().With("component", "registrar"), store: newStore(), parser: sip.NewParser()}
	r.auth = &authenticator{realm: cfg.realm(), users: cfg.Users, algs: cfg.algorithms(), secret: secret, lifetime: cfg.nonceLifetime(),
		counts: newNonceCounts(cfg.maxNonces(), cfg.nonceLifetime())}
	r.tcp = newTCPConns(&r.cfg, r.log, &r.stats)
	return r, nil
}

// SetFault makes the registrar play f from now on; FaultNone ends any
// fault. Setting FaultRefuseTCP while running closes the TCP listeners;
// any other fault listens again on those that are closed, and the error
// says when that failed (a later SetFault tries again).
func (r *Registrar) SetFault(f Fault) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fault.Store(&f)
	r.log.Info("fault", "fault", f.String())
	switch {
	case r.run == nil:
		return nil
	case f.Kind == FaultRefuseTCP:
		r.run.closeTCP()
		return nil
	}
	return r.run.reopenTCP()
}

// Fault returns the fault being played.
func (r *Registrar) Fault() Fault {
	if f := r.fault.Load(); f != nil {
		return *f
	}
	return Fault{}
}

// Bindings returns the bindings that have not expired, sorted by AOR and
// contact.
func (r *Registrar) Bindings() []Binding {
	r.expire(r.cfg.now())
	return r.store.list("")
}

// Stats returns the message counters.
func (r *Registrar) Stats() Stats {
	return Stats{
		Received:  r.stats.received.Load(),
		Answered:  r.stats.answered.Load(),
		Dropped:   r.stats.dropped.Load(),
		Malformed: r.stats.malformed.Load(),

		AcceptErrors:  r.stats.acceptErrors.Load(),
		TCPRefused:    r.stats.tcpRefused.Load(),
		TCPIdleClosed: r.stats.tcpIdleClosed.Load(),
		TCPConns:      r.tcp.len(),
	}
}

// expire removes the bindings that lapsed by now, with an event each.
func (r *Registrar) expire(now time.Time) { r.emitExpired(r.store.expire(now)) }

func (r *Registrar) emitExpired(bs []Binding) {
	for _, b := range bs {
		r.emit(Event{Kind: EventExpired, AOR: b.AOR, Contact: b.Contact, Source: b.Source})
	}
}

// emitChanges reports the binding changes a REGISTER made.
func (r *Registrar) emitChanges(changes []change, source string, now time.Time) {
	for _, c := range changes {
		e := Event{Kind: EventRegistered, AOR: c.b.AOR, Contact: c.b.Contact, Source: source, Expires: c.b.Expires.Sub(now)}
		if c.remove {
			e.Kind, e.Expires = EventUnregistered, 0
		}
		r.emit(e)
	}
}

// drop counts and reports a message dropped unanswered.
func (r *Registrar) drop(method, source, reason string, malformed bool) {
	r.stats.dropped.Add(1)
	level := slog.LevelDebug
	if malformed {
		r.stats.malformed.Add(1)
		level = slog.LevelWarn
	}
	r.log.Log(context.Background(), level, "dropped", "from", source, "method", method, "reason", reason)
	r.emit(Event{Kind: EventDropped, Method: method, Source: source, Reason: reason})
}

// emit stamps e and passes it to Config.OnEvent, one call at a time.
func (r *Registrar) emit(e Event) {
	if e.Kind == EventReceived {
		r.stats.received.Add(1)
	}
	if r.cfg.OnEvent == nil {
		return
	}
	e.Time = r.cfg.now()
	r.eventMu.Lock()
	defer r.eventMu.Unlock()
	r.cfg.OnEvent(e)
}
