package dnsserver

import (
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// xfrChunk is the size a transfer message is filled to before the next
// starts; below 64 KiB with room for a TSIG record.
const xfrChunk = 60000

// transfer answers an AXFR, or an IXFR with the whole zone (RFC 1995 §4
// allows it), to a client the configuration allows.
func (s *Server) transfer(w dns.ResponseWriter, req *dns.Msg, snap *snapshot) {
	q := req.Question[0]
	z := snap.zones[dns.CanonicalName(q.Name)]
	from := remoteIP(w.RemoteAddr())
	switch {
	case z == nil:
		s.refuseTransfer(w, req, dns.RcodeNotAuth) // RFC 5936 §2.2.1: not our zone
		return
	case req.IsTsig() != nil && w.TsigStatus() != nil:
		// RFC 8945 §5.2: an unknown key or a bad MAC gets NOTAUTH and
		// the TSIG error.
		s.log.Warn("zone transfer refused: TSIG", "zone", q.Name, "from", from, "err", w.TsigStatus())
		s.tcpSt.count(q.Qtype, dns.RcodeNotAuth)
		_ = w.WriteMsg(s.tsigErrorMsg(req, w.TsigStatus()))
		return
	case !s.transferAllowed(req, from):
		s.log.Warn("zone transfer refused", "zone", q.Name, "from", from)
		s.refuseTransfer(w, req, dns.RcodeRefused)
		return
	}
	s.tcpSt.count(q.Qtype, dns.RcodeSuccess)
	if err := s.sendZone(w, req, z); err != nil {
		s.log.Warn("zone transfer failed", "zone", z.Origin, "to", from, "err", err)
		return
	}
	s.log.Info("zone transferred", "zone", z.Origin, "serial", z.SOA.Serial, "to", from)
}

// transferAllowed reports whether the request comes with a TSIG key (whose
// MAC miekg has checked), or from an allowed address.
func (s *Server) transferAllowed(req *dns.Msg, from netip.Addr) bool {
	if req.IsTsig() != nil {
		return true
	}
	for _, p := range s.cfg.AllowTransfer {
		if p.Contains(from) {
			return true
		}
	}
	return false
}

func (s *Server) refuseTransfer(w dns.ResponseWriter, req *dns.Msg, rcode int) {
	s.tcpSt.count(req.Question[0].Qtype, rcode)
	m := new(dns.Msg).SetRcode(req, rcode)
	_ = w.WriteMsg(m)
}

// sendZone writes the zone as RFC 5936 §2.2 says: the SOA first, every
// record, the SOA again last, in as many messages as it takes. A message
// is filled until its records' uncompressed size reaches xfrChunk, so the
// compressed message always fits. Signed transfers sign every message
// (RFC 8945 §5.3.1).
func (s *Server) sendZone(w dns.ResponseWriter, req *dns.Msg, z *Zone) error {
	m, size := s.xfrMsg(req), 0
	for _, rr := range append(z.Records(), z.SOA) {
		n := dns.Len(rr)
		if size+n > xfrChunk && len(m.Answer) > 0 {
			if err := s.writeXfr(w, req, m); err != nil {
				return err
			}
			m, size = s.xfrMsg(req), 0
		}
		m.Answer, size = append(m.Answer, rr), size+n
	}
	return s.writeXfr(w, req, m)
}

func (s *Server) xfrMsg(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative, m.Compress = true, true
	return m
}

func (s *Server) writeXfr(w dns.ResponseWriter, req *dns.Msg, m *dns.Msg) error {
	if t := req.IsTsig(); t != nil {
		m.SetTsig(t.Hdr.Name, t.Algorithm, tsigFudge, s.now().Unix())
	}
	err := w.WriteMsg(m)
	w.TsigTimersOnly(true)
	return err
}

func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}
