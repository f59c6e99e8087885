package failover

import (
	"sync"
	"time"

	"github.com/siplocate/siplocate/locate"
)

// Defaults of a Health store.
const (
	// DefaultDownFor is how long a target that timed out or failed at the
	// transport is skipped: Kamailio's dst_blocklist_expire default.
	DefaultDownFor = 60 * time.Second
	// DefaultMaxHold bounds every hold, a 503's Retry-After included: no
	// target is skipped for longer, whatever a server says.
	DefaultMaxHold = 5 * time.Minute
	// DefaultMaxEntries bounds the number of targets a store remembers.
	DefaultMaxEntries = 4096
)

// Health remembers, across requests and accounts, which targets are down
// (a transport error or a timeout) or said 503 with Retry-After (RFC 3263
// §4.3, RFC 3261 §21.5.4), and until when. It is the UA side's answer to
// Kamailio's dst_blocklist: one store per process (or per caller), fed by
// every attempt and consulted before each one, so that the request after
// a failure does not try the dead target again until its time is up.
//
// The zero value is ready to use, with the defaults above and time.Now.
// A Health is safe for concurrent use.
type Health struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// DownFor is how long a timeout or a transport error holds a target;
	// zero means DefaultDownFor.
	DownFor time.Duration
	// MaxHold caps every hold, Retry-After included; zero means
	// DefaultMaxHold.
	MaxHold time.Duration
	// MaxEntries caps the targets remembered; zero means
	// DefaultMaxEntries. When full, expired entries go first, then the one
	// that ends soonest.
	MaxEntries int

	mu   sync.Mutex
	down map[string]Hold
}

// Hold says why and until when a target is skipped.
type Hold struct {
	Until   time.Time
	Outcome Outcome // TimedOut, TransportFailed or Unavailable
}

func (h *Health) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Health) downFor() time.Duration { return orDuration(h.DownFor, DefaultDownFor) }

func (h *Health) maxHold() time.Duration { return orDuration(h.MaxHold, DefaultMaxHold) }

func (h *Health) maxEntries() int {
	if h.MaxEntries > 0 {
		return h.MaxEntries
	}
	return DefaultMaxEntries
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Report feeds the store with the outcome of an attempt to t. Answered
// clears any hold; TimedOut and TransportFailed hold t for DownFor;
// Unavailable holds it for retryAfter when that is positive (a 503
// without Retry-After moves only the current request on). Every hold is
// capped at MaxHold. Report returns the hold it set, if any.
func (h *Health) Report(t locate.Target, o Outcome, retryAfter time.Duration) (Hold, bool) {
	d := h.holdFor(o, retryAfter)
	h.mu.Lock()
	defer h.mu.Unlock()
	if d <= 0 && len(h.down) == 0 {
		return Hold{}, false // nothing to clear: the common case costs no key
	}
	k := Key(t)
	if d <= 0 {
		delete(h.down, k)
		return Hold{}, false
	}
	now := h.now()
	if h.down == nil {
		h.down = map[string]Hold{}
	}
	if _, ok := h.down[k]; !ok && len(h.down) >= h.maxEntries() {
		h.evict(now)
	}
	hd := Hold{Until: now.Add(d), Outcome: o}
	h.down[k] = hd
	return hd, true
}

// holdFor returns how long outcome o holds a target, 0 for not at all.
func (h *Health) holdFor(o Outcome, retryAfter time.Duration) time.Duration {
	var d time.Duration
	switch o {
	case TimedOut, TransportFailed:
		d = h.downFor()
	case Unavailable:
		d = retryAfter
	}
	return min(d, h.maxHold())
}

// evict makes room for one entry: every expired one goes, or else the one
// that ends soonest. h.mu is held.
func (h *Health) evict(now time.Time) {
	soonest, first := "", time.Time{}
	for k, hd := range h.down {
		if !now.Before(hd.Until) {
			delete(h.down, k)
			continue
		}
		if soonest == "" || hd.Until.Before(first) {
			soonest, first = k, hd.Until
		}
	}
	if len(h.down) >= h.maxEntries() {
		delete(h.down, soonest)
	}
}

// Down returns t's hold and true while t is held; an expired hold is
// forgotten.
func (h *Health) Down(t locate.Target) (Hold, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.down) == 0 {
		return Hold{}, false
	}
	k := Key(t)
	hd, ok := h.down[k]
	if !ok {
		return Hold{}, false
	}
	if !h.now().Before(hd.Until) {
		delete(h.down, k)
		return Hold{}, false
	}
	return hd, true
}

// Order returns ts (itself when nothing is held) with the targets that
// are held moved to the end, each part in its located order: held targets are tried only when every other
// one failed, and when every target is held they are all still tried, in
// order, rather than none.
func (h *Health) Order(ts []locate.Target) []locate.Target {
	if h.empty() {
		return ts // the common case: nothing is held, nothing to copy
	}
	live := make([]locate.Target, 0, len(ts))
	var held []locate.Target
	for _, t := range ts {
		if _, ok := h.Down(t); ok {
			held = append(held, t)
		} else {
			live = append(live, t)
		}
	}
	return append(live, held...)
}

// empty reports whether no target is remembered at all.
func (h *Health) empty() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.down) == 0
}

// Len returns how many targets are held now.
func (h *Health) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	n := 0
	for _, hd := range h.down {
		if now.Before(hd.Until) {
			n++
		}
	}
	return n
}
