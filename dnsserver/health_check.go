package dnsserver

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/logsafe"
)

// checker runs the health checks of one server: the targets of the zones
// served, their state, and the counters. Rounds run one at a time.
type checker struct {
	mu      sync.Mutex // guards the fields below; held while a round counts, not while it probes
	zones   []*Zone    // the zones targets were taken from
	targets []HealthTarget
	states  map[targetKey]*targetState

	probes, failures, changes atomic.Uint64
}

// targetState is one target's fall/rise count and what /health shows.
type targetState struct {
	target      HealthTarget
	down        bool
	run         int // probes in a row against the state: failures while up, passes while down
	lastProbe   time.Time
	lastOutcome string
	since       time.Time // when the state began (start, or the last change)
}

// targetsOf returns every checked SRV target in zones, each once, with
// the addresses the zones give its host.
func targetsOf(snap *snapshot, zones []*Zone) []HealthTarget {
	seen := map[targetKey]bool{}
	var out []HealthTarget
	for _, z := range zones {
		for name, n := range z.nodes {
			for _, rr := range n.set(dns.TypeSRV) {
				k, ok := keyOf(rr)
				if !ok || seen[k] {
					continue
				}
				seen[k] = true
				out = append(out, HealthTarget{Transport: k.transport, Host: k.host, Port: k.port,
					Addrs: addrsOf(snap, k.host), Domain: domainOf(name)})
			}
		}
	}
	slices.SortFunc(out, func(a, b HealthTarget) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// domainOf returns an SRV owner without its _service._proto labels.
func domainOf(owner string) string {
	i, _ := dns.NextLabel(owner, 0)
	j, end := dns.NextLabel(owner, i)
	if end {
		return "."
	}
	return owner[j:]
}

// addrsOf returns host's A and AAAA records in the zones served.
func addrsOf(snap *snapshot, host string) []netip.Addr {
	z := snap.zoneFor(host)
	if z == nil || z.node(host) == nil {
		return nil
	}
	var out []netip.Addr
	n := z.node(host)
	for _, rr := range append(slices.Clone(n.set(dns.TypeA)), n.set(dns.TypeAAAA)...) {
		var ip []byte
		switch rr := rr.(type) {
		case *dns.A:
			ip = rr.A
		case *dns.AAAA:
			ip = rr.AAAA
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// refresh takes the targets from the zones of snap when they are not the
// zones of the last round: targets new to the set start up, targets gone
// are forgotten.
func (c *checker) refresh(snap *snapshot, zones []*Zone, now time.Time) []HealthTarget {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.states != nil && slices.Equal(c.zones, zones) {
		return c.targets
	}
	c.zones, c.targets = zones, targetsOf(snap, zones)
	old := c.states
	c.states = make(map[targetKey]*targetState, len(c.targets))
	for _, t := range c.targets {
		k := targetKey{t.Transport, t.Host, t.Port}
		if st := old[k]; st != nil {
			st.target = t
			c.states[k] = st
			continue
		}
		c.states[k] = &targetState{target: t, since: now}
	}
	return c.targets
}

// probeResult is one target's outcome in a round; sent is set on the one
// target of its probe group that the probe was sent for.
type probeResult struct {
	key     targetKey
	outcome string
	err     error
	sent    bool
}

// probeAll probes targets, at most limit at once, each with timeout, and
// returns a result for each target, in order, when all have answered or
// timed out. Targets at the same addresses, port and transport (and, for
// TLS, domain) share one probe: a thousand SIP domains hosted on the same
// two servers cost two OPTIONS per transport and interval, not two
// thousand.
func probeAll(ctx context.Context, p Prober, targets []HealthTarget, limit int, timeout time.Duration) []probeResult {
	groups := map[string][]int{}
	var order []string
	for i, t := range targets {
		k := probeGroup(t)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	out := make([]probeResult, len(targets))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, k := range order {
		idx := groups[k]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := probeOne(ctx, p, targets[idx[0]], timeout)
			for n, i := range idx {
				t := targets[i]
				out[i] = probeResult{key: targetKey{t.Transport, t.Host, t.Port}, outcome: r.outcome, err: r.err, sent: n == 0}
			}
		})
	}
	wg.Wait()
	return out
}

// probeGroup returns what decides a probe's outcome: transport, port and
// addresses (the host when the zones give none), and the domain for TLS,
// whose certificate is checked against it.
func probeGroup(t HealthTarget) string {
	var b strings.Builder
	b.WriteString(t.Transport + " " + strconv.Itoa(int(t.Port)))
	if len(t.Addrs) == 0 {
		b.WriteString(" " + t.Host)
	}
	for _, a := range t.Addrs {
		b.WriteString(" " + a.String())
	}
	if t.Transport == "tls" {
		b.WriteString(" " + t.Domain)
	}
	return b.String()
}

// probeOne runs one probe under its deadline. A prober that returns
// nothing, or an error, counts the target as failed.
func probeOne(ctx context.Context, p Prober, t HealthTarget, timeout time.Duration) probeResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	outcome, err := p(ctx, t)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("probe %s: %w", t, ctx.Err())
	}
	if outcome == "" && err != nil {
		outcome = err.Error()
	}
	return probeResult{key: targetKey{t.Transport, t.Host, t.Port}, outcome: safeOutcome(outcome), err: err}
}

// maxOutcome bounds the outcome text kept and logged: a reason phrase
// may be as long as a peer likes.
const maxOutcome = 200

// safeOutcome returns an outcome as logs and /health show it: cut to
// maxOutcome bytes, control characters quoted.
func safeOutcome(s string) string {
	if len(s) > maxOutcome {
		s = strings.ToValidUTF8(s[:maxOutcome], "") + "..."
	}
	return logsafe.Quote(s)
}

// change is one target's change of state, to log.
type change struct {
	target  HealthTarget
	down    bool
	run     int
	outcome string
}

// count applies a round's results: fall failures in a row take an up
// target down, rise passes in a row bring a down one up. It returns the
// changes.
func (c *checker) count(results []probeResult, now time.Time, fall, rise int) []change {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []change
	for _, r := range results {
		st := c.states[r.key]
		if st == nil {
			continue // the zones changed during the round
		}
		if r.sent {
			c.probes.Add(1)
			if r.err != nil {
				c.failures.Add(1)
			}
		}
		st.lastProbe, st.lastOutcome = now, r.outcome
		if (r.err != nil) != st.down {
			st.run++
		} else {
			st.run = 0
		}
		if (st.down && st.run >= rise) || (!st.down && st.run >= fall) {
			st.down, st.since = !st.down, now
			out = append(out, change{target: st.target, down: st.down, run: st.run, outcome: r.outcome})
			st.run = 0
			c.changes.Add(1)
		}
	}
	return out
}

// view returns the health view of the current states.
func (c *checker) view(demote bool, ttlCap uint32) *healthView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := &healthView{down: map[targetKey]bool{}, demote: demote, ttlCap: ttlCap}
	for k, st := range c.states {
		if st.down {
			v.down[k] = true
		}
	}
	return v
}

// downCount returns how many targets are down now, and how many there are.
func (c *checker) downCount() (down, all int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.states {
		if st.down {
			down++
		}
	}
	return down, len(c.states)
}

// snapshotStates returns a copy of every target's state, sorted by target.
func (c *checker) snapshotStates() []targetState {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]targetState, 0, len(c.states))
	for _, k := range slices.SortedFunc(maps.Keys(c.states), func(a, b targetKey) int {
		return strings.Compare(c.states[a].target.String(), c.states[b].target.String())
	}) {
		out = append(out, *c.states[k])
	}
	return out
}
