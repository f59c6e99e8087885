package dnsserver

import (
	"strconv"
	"sync/atomic"

	"github.com/miekg/dns"
)

// stats counts queries by type and responses by code. Each UDP socket has
// its own, so that cores do not share the cache lines they count on; a
// snapshot adds them up.
type stats struct {
	qtypes    [257]atomic.Uint64 // by QTYPE; 256 counts every type above 255
	rcodes    [24]atomic.Uint64  // by RCODE; 23 counts every code above 22
	malformed atomic.Uint64      // packets dropped or answered FORMERR because they did not parse
}

func (s *stats) count(qtype uint16, rcode int) {
	s.qtypes[min(int(qtype), len(s.qtypes)-1)].Add(1)
	s.rcodes[min(rcode, len(s.rcodes)-1)].Add(1)
}

// Stats is a snapshot of the server's counters, plain values that any
// metrics system can export (the metrics package does so for
// Prometheus). Counters only grow from 0 at New.
type Stats struct {
	// Queries counts the queries answered by question type ("A", "SRV",
	// "other" above 255); Responses the responses sent by response code
	// ("NOERROR", "NXDOMAIN", ...). Types and codes not seen are absent.
	Queries, Responses map[string]uint64
	// Malformed counts packets that did not parse as a DNS query.
	Malformed uint64
	// ReloadsOK and ReloadsFailed count the zone file loads after the first.
	ReloadsOK, ReloadsFailed uint64
	// Serials is the SOA serial of each zone served, by origin.
	Serials map[string]uint32
	// TCPConns is the TCP connections held now; TCPRefused counts those
	// closed for being over MaxTCPConns or MaxTCPConnsPerIP, and
	// TCPAcceptErrors the failed accepts (descriptors out), each retried
	// after a backoff.
	TCPConns                    int
	TCPRefused, TCPAcceptErrors uint64
	// HealthProbes counts the health probes sent and HealthFailures those
	// that failed; HealthChanges the targets that went down or came up.
	// HealthTargets is the targets checked now, HealthTargetsDown those
	// down. All zero without health checks.
	HealthProbes, HealthFailures, HealthChanges uint64
	HealthTargets, HealthTargetsDown            int
}

// Stats returns the server's counters now.
func (s *Server) Stats() Stats {
	out := Stats{Queries: map[string]uint64{}, Responses: map[string]uint64{}, Serials: map[string]uint32{}}
	for _, st := range s.allStats() {
		for i := range st.qtypes {
			if n := st.qtypes[i].Load(); n > 0 {
				out.Queries[typeName(i)] += n
			}
		}
		for i := range st.rcodes {
			if n := st.rcodes[i].Load(); n > 0 {
				out.Responses[rcodeName(i)] += n
			}
		}
		out.Malformed += st.malformed.Load()
	}
	out.ReloadsOK, out.ReloadsFailed = s.reloadsOK.Load(), s.reloadsFailed.Load()
	for origin, z := range s.snap.Load().zones {
		out.Serials[origin] = z.SOA.Serial
	}
	if l := s.tcpLn; l != nil {
		out.TCPConns, out.TCPRefused, out.TCPAcceptErrors = l.conns(), l.refused.Load(), l.acceptErrors.Load()
	}
	if h := s.health; h != nil {
		out.HealthProbes, out.HealthFailures, out.HealthChanges = h.probes.Load(), h.failures.Load(), h.changes.Load()
		out.HealthTargetsDown, out.HealthTargets = h.downCount()
	}
	return out
}

func typeName(i int) string {
	if i > 255 {
		return "other"
	}
	if s, ok := dns.TypeToString[uint16(i)]; ok {
		return s
	}
	return dns.Type(i).String()
}

func rcodeName(i int) string {
	if i > 22 {
		return "other"
	}
	if s, ok := dns.RcodeToString[i]; ok {
		return s
	}
	return "RCODE" + strconv.Itoa(i)
}
