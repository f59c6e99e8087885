package dnsserver

import (
	"github.com/miekg/dns"
)

// healthView is what the answers of one snapshot take from the health
// checks: which targets are down, the mode and the TTL cap. It is never
// changed; a change of state makes a new view and a new snapshot. A nil
// view (health checks off) shapes nothing.
type healthView struct {
	down   map[targetKey]bool
	demote bool
	ttlCap uint32
}

// shapeAnswer returns the answer section with each health-checked SRV
// RRset shaped; other records are kept as they are.
func (v *healthView) shapeAnswer(answer []dns.RR) []dns.RR {
	if v == nil || !hasCheckedSRV(answer) {
		return answer
	}
	out := make([]dns.RR, 0, len(answer))
	for i := 0; i < len(answer); {
		j := i + 1
		for j < len(answer) && sameSet(answer[i], answer[j]) {
			j++
		}
		out = append(out, v.shape(answer[i:j])...)
		i = j
	}
	return out
}

// hasCheckedSRV reports whether rrs holds an SRV record of a checked owner.
func hasCheckedSRV(rrs []dns.RR) bool {
	for _, rr := range rrs {
		if _, ok := keyOf(rr); ok {
			return true
		}
	}
	return false
}

// shape returns one RRset as the health view serves it. An SRV RRset of a
// checked owner loses its down targets (withhold) or has them moved to
// priority 65535 (demote), and its TTL is capped. When every target is
// down the full RRset is served (fail open): an empty answer would turn
// an outage into lookup failures. Any other RRset is returned unchanged.
func (v *healthView) shape(set []dns.RR) []dns.RR {
	if v == nil || len(set) == 0 || !hasCheckedSRV(set[:1]) {
		return set
	}
	up := 0
	for _, rr := range set {
		if k, ok := keyOf(rr); !ok || !v.down[k] {
			up++
		}
	}
	allDown := up == 0
	out := make([]dns.RR, 0, len(set))
	for _, rr := range set {
		k, _ := keyOf(rr)
		down := v.down[k] && !allDown
		if down && !v.demote {
			continue
		}
		c := dns.Copy(rr).(*dns.SRV)
		c.Hdr.Ttl = min(c.Hdr.Ttl, v.ttlCap)
		if down {
			c.Priority = demotedPriority
		}
		out = append(out, c)
	}
	return out
}
