package registrar

import (
	"container/list"
	"sync"
	"time"
)

// DefaultMaxNonces bounds the nonces whose counts are remembered; about
// 200 bytes each, so some 13 MB at the cap.
const DefaultMaxNonces = 65536

// nonceCounts remembers, for each nonce used with a right digest, the
// highest nonce count seen (RFC 7616 §3.4), so that a replayed request is
// refused. Only authenticated requests add to it, so a flood of REGISTERs
// without credentials cannot grow it; entries go when their nonce is no
// longer fresh, and at the cap the oldest goes first. A nonce whose entry
// went is never accepted again: floor is the latest issue time of those
// dropped early, and a nonce issued at or before it that has no entry is
// refused as stale.
type nonceCounts struct {
	mu       sync.Mutex
	cap      int
	lifetime time.Duration
	byNonce  map[string]*list.Element // of *nonceUse
	order    *list.List               // first use, oldest first
	floor    time.Time
}

// nonceUse is what is remembered of one nonce.
type nonceUse struct {
	nonce  string
	issued time.Time
	nc     uint32 // highest count accepted; spent when a use had no qop
}

// spent is the count of a nonce used without qop: nothing comes after it.
const spent = ^uint32(0)

func newNonceCounts(capacity int, lifetime time.Duration) *nonceCounts {
	return &nonceCounts{cap: capacity, lifetime: lifetime, byNonce: map[string]*list.Element{}, order: list.New()}
}

// use records a use of nonce, issued at issued, with nonce count nc, or
// without qop when nc is 0 (RFC 2069: one use per nonce). It reports
// whether the use is new: false for a count not higher than one seen
// (RFC 7616 §3.4), a second use without qop, or a nonce forgotten early.
func (n *nonceCounts) use(nonce string, issued time.Time, nc uint32, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.prune(now)
	if e, ok := n.byNonce[nonce]; ok {
		u := e.Value.(*nonceUse)
		if nc == 0 || nc <= u.nc {
			return false
		}
		u.nc = nc
		return true
	}
	if !issued.After(n.floor) {
		return false
	}
	if n.order.Len() >= n.cap {
		n.drop(n.order.Front(), true)
	}
	if nc == 0 {
		nc = spent
	}
	n.byNonce[nonce] = n.order.PushBack(&nonceUse{nonce: nonce, issued: issued, nc: nc})
	return true
}

// prune drops the oldest entries whose nonce is no longer fresh; the nonce
// check refuses those by their age already.
func (n *nonceCounts) prune(now time.Time) {
	for e := n.order.Front(); e != nil && now.Sub(e.Value.(*nonceUse).issued) > n.lifetime; e = n.order.Front() {
		n.drop(e, false)
	}
}

// drop forgets e; early means it was still fresh, so floor moves up.
func (n *nonceCounts) drop(e *list.Element, early bool) {
	u := n.order.Remove(e).(*nonceUse)
	delete(n.byNonce, u.nonce)
	if early && u.issued.After(n.floor) {
		n.floor = u.issued
	}
}

// len returns the number of nonces remembered.
func (n *nonceCounts) len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.order.Len()
}
