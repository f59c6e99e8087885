package doctor

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/siplocate/siplocate/internal/zonefile"
	"github.com/siplocate/siplocate/zonecheck"
)

// dns runs the DNS checks on the located chain's answers.
func (c *checker) dns() {
	c.zoneRules()
	c.failbackTTL()
	c.families()
}

// wire runs the DNS checks that ask the name servers again; Check runs it
// beside the probes, on a checker of its own.
func (c *checker) wire(ctx context.Context) {
	if len(c.cfg.Servers) > 0 {
		c.truncation(ctx)
		c.nameServers(ctx)
	}
}

// liveRules are the zonecheck rules that apply to records seen live; the
// rest are about a file (SOA, delegations, $INCLUDE) or, as out-of-zone,
// about records a file does not hold but the live chain looked up.
var liveRules = []string{"srv-", "naptr-", "sips-not-tls", "ttl-"}

// zoneRules writes the records of every answer as a zone and runs the
// rules of `dns check` on it: same ids, with the record for subject.
func (c *checker) zoneRules() {
	lines := c.answerLines()
	if len(lines) == 0 {
		return
	}
	f, err := zonefile.Parse(strings.NewReader(strings.Join(lines, "\n")+"\n"), "live", ".")
	if err != nil {
		c.add(Warning, "dns-unparsable", AreaDNS, "DNS", fmt.Sprintf("the answers could not be read back as records: %v", err), "")
		return
	}
	for _, zf := range zonecheck.CheckFile(f).Findings {
		if !applies(zf.Check) || zf.Line < 1 || zf.Line > len(lines) || c.unasked(zf.Check, lines[zf.Line-1]) {
			continue
		}
		sev := Warning
		if zf.Severity == zonecheck.Error {
			sev = Error
		}
		c.add(sev, zf.Check, AreaDNS, lines[zf.Line-1], zf.Message, rfcOf(zf.Message))
	}
}

// answerLines returns the answer records of every query, once each, in
// zone text with single spaces.
func (c *checker) answerLines() []string {
	seen := map[string]bool{}
	var lines []string
	for _, q := range c.rep.Queries {
		for _, a := range q.Answers {
			a = strings.ReplaceAll(a, "\t", " ")
			if !seen[a] {
				seen[a] = true
				lines = append(lines, a)
			}
		}
	}
	return lines
}

// absenceRules say that the name a record leads to (its last field) has
// no records: live, that holds only when the name was asked.
var absenceRules = map[string]bool{"naptr-replacement-no-srv": true, "naptr-replacement-no-address": true,
	"naptr-replacement-no-naptr": true, "srv-target-no-address": true}

// unasked reports whether finding id on record rr is about a name the
// chain never asked (a transport not checked), not one that is missing.
func (c *checker) unasked(id, rr string) bool {
	if !absenceRules[id] {
		return false
	}
	f := strings.Fields(rr)
	name := strings.ToLower(f[len(f)-1])
	for _, q := range c.rep.Queries {
		if strings.ToLower(q.Name) == name && q.Err == "" {
			return false
		}
	}
	return true
}

func applies(id string) bool {
	for _, p := range liveRules {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// rfcRef finds an RFC and its section in a message.
var rfcRef = regexp.MustCompile(`RFC [0-9]+( §[0-9.]*[0-9])?`)

// rfcOf returns the first RFC (with its section) a message cites.
func rfcOf(msg string) string { return rfcRef.FindString(msg) }

// failbackTTL warns when a phone keeps an SRV or NAPTR answer longer than
// a registration lasts: a server taken out of DNS keeps getting the
// phones that cached it until the TTL runs out (RFC 1035 §3.2.1, RFC 3263
// §4.3 leaves the client to its cache).
func (c *checker) failbackTTL() {
	exp := c.cfg.expiry()
	for _, q := range c.rep.Queries {
		if (q.Type != "SRV" && q.Type != "NAPTR") || len(q.Answers) == 0 {
			continue
		}
		if ttl := recordTTL(q.Answers[0]); ttl > exp {
			c.add(Warning, "ttl-failback", AreaDNS, q.Name+" "+q.Type,
				fmt.Sprintf("TTL %d s is longer than a %d s registration: phones that cached it move to a changed server only after the TTL; lower it to %d s or less",
					int(ttl.Seconds()), int(exp.Seconds()), int(exp.Seconds())), "RFC 3263 §4.3")
		}
	}
}

// recordTTL reads the TTL of a record in zone text ("name ttl IN type ...").
func recordTTL(rr string) time.Duration {
	f := strings.Fields(rr)
	if len(f) < 2 {
		return 0
	}
	var n int64
	if _, err := fmt.Sscan(f[1], &n); err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

// families notes targets of one address family only.
func (c *checker) families() {
	var v4, v6 bool
	for _, t := range c.rep.Targets {
		v4 = v4 || t.Addr.Is4() || t.Addr.Is4In6()
		v6 = v6 || (t.Addr.Is6() && !t.Addr.Is4In6())
	}
	switch {
	case v4 && !v6:
		c.add(Info, "ipv4-only", AreaDNS, c.rep.Domain, "every target has IPv4 addresses only: IPv6-only phones cannot reach this domain", "RFC 3263 §4.2")
	case v6 && !v4:
		c.add(Warning, "ipv6-only", AreaDNS, c.rep.Domain, "every target has IPv6 addresses only: IPv4-only phones cannot reach this domain", "RFC 3263 §4.2")
	}
}
