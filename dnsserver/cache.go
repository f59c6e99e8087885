package dnsserver

import (
	"github.com/miekg/dns"
)

// cacheSize bounds the answers one UDP socket keeps for names the table
// does not hold; when full it starts again empty, so a flood of random
// names costs the slow path and no more memory.
const cacheSize = 4096

// answerCache holds answers built on demand for plain queries the
// precomputed table lacks (NXDOMAIN, wildcard synthesis, names under a
// cut), in the table's form. Each UDP socket has its own, used by its one
// goroutine only, so it needs no lock; it is emptied when a reload swaps
// the zones.
type answerCache struct {
	snap    *snapshot
	answers map[string]wireAnswer
}

// lookup returns the answer for key (the question of q), building and
// keeping it on a miss.
func (c *answerCache) lookup(s *snapshot, q, key []byte) (wireAnswer, bool) {
	if c.snap != s || len(c.answers) >= cacheSize {
		c.snap, c.answers = s, make(map[string]wireAnswer)
	}
	if wa, ok := c.answers[string(key)]; ok {
		return wa, true
	}
	name, _, err := dns.UnpackDomainName(q, 12)
	if err != nil {
		return wireAnswer{}, false
	}
	wa, ok := s.canonical(name, uint16(key[len(key)-2])<<8|uint16(key[len(key)-1]))
	if ok {
		c.answers[string(key)] = wa
	}
	return wa, ok
}
