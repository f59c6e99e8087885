package registrar

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"
)

// Binding is one contact bound to an address-of-record (RFC 3261 §10.3).
type Binding struct {
	AOR     string    // canonical address-of-record, "sip:alice@example.org"
	Contact string    // contact URI as the client sent it
	Expires time.Time // when the binding lapses
	CallID  string    // Call-ID of the REGISTER that last set it
	CSeq    uint32    // CSeq of that REGISTER
	Source  string    // "udp:127.0.0.1:5062": where that REGISTER came from
	key     string    // contactKey of Contact
}

// change is one binding update of a REGISTER, computed before any is made.
type change struct {
	remove bool
	b      Binding
}

// store holds the bindings of every AOR in memory.
type store struct {
	mu   sync.Mutex
	aors map[string]map[string]Binding // AOR -> contact key -> binding
}

func newStore() *store { return &store{aors: map[string]map[string]Binding{}} }

// expire removes the bindings whose expiry is not after now and returns them.
func (s *store) expire(now time.Time) []Binding {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gone []Binding
	for aor, m := range s.aors {
		for k, b := range m {
			if !b.Expires.After(now) {
				gone = append(gone, b)
				delete(m, k)
			}
		}
		if len(m) == 0 {
			delete(s.aors, aor)
		}
	}
	sortBindings(gone)
	return gone
}

// list returns the bindings of aor, or of every AOR when aor is empty,
// sorted by AOR and contact.
func (s *store) list(aor string) []Binding {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Binding
	for a, m := range s.aors {
		if aor != "" && a != aor {
			continue
		}
		for _, b := range m {
			out = append(out, b)
		}
	}
	sortBindings(out)
	return out
}

// update applies a REGISTER to the bindings of r.aor atomically: either
// every change is made or, when one fails the Call-ID/CSeq check of
// RFC 3261 §10.3 step 7 or check refuses the bindings the AOR would have
// after it, none is. It first removes the AOR's lapsed bindings and
// returns them too.
func (s *store) update(r *regRequest, now time.Time, check func(after []Binding) *statusError) (changes []change, expired []Binding, serr *statusError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.aors[r.aor]
	for k, b := range cur {
		if !b.Expires.After(now) {
			expired = append(expired, b)
			delete(cur, k)
		}
	}
	sortBindings(expired)
	defer func() {
		if len(cur) == 0 {
			delete(s.aors, r.aor)
		}
	}()
	if changes, serr = r.plan(cur, now); serr != nil {
		return nil, expired, serr
	}
	if serr = check(applied(cur, changes)); serr != nil {
		return nil, expired, serr
	}
	for _, c := range changes {
		if c.remove {
			delete(cur, c.b.key)
			continue
		}
		if cur == nil {
			cur = map[string]Binding{}
			s.aors[r.aor] = cur
		}
		cur[c.b.key] = c.b
	}
	return changes, expired, nil
}

// applied returns the bindings cur would hold after changes, sorted.
func applied(cur map[string]Binding, changes []change) []Binding {
	after := maps.Clone(cur)
	if after == nil {
		after = map[string]Binding{}
	}
	for _, c := range changes {
		if c.remove {
			delete(after, c.b.key)
		} else {
			after[c.b.key] = c.b
		}
	}
	out := slices.Collect(maps.Values(after))
	sortBindings(out)
	return out
}

func sortBindings(bs []Binding) {
	slices.SortFunc(bs, func(a, b Binding) int {
		return cmp.Or(cmp.Compare(a.AOR, b.AOR), cmp.Compare(a.Contact, b.Contact))
	})
}
