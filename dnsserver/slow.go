package dnsserver

import (
	"github.com/miekg/dns"
)

// slowPath answers one raw query with the full logic: unpack, respond, fit
// to the UDP size (limit 0 means TCP, no limit), TSIG, pack into out. It
// returns nil when the packet gets no answer: too short to have an ID, or a
// response itself (answering responses makes loops).
func (s *Server) slowPath(snap *snapshot, q, out []byte, st *stats, limit int) []byte {
	if len(q) < 12 || q[2]&0x80 != 0 {
		st.malformed.Add(1)
		return nil
	}
	req := new(dns.Msg)
	if err := req.Unpack(q); err != nil {
		st.malformed.Add(1)
		st.count(0, dns.RcodeFormatError)
		return formErr(q, out)
	}
	m := snap.respond(req)
	if limit == 0 {
		limit = udpLimit(req)
	}
	fit(m, limit)
	resp, rcode, err := s.pack(req, q, m, out)
	st.count(qtypeOf(req), rcode)
	if err != nil {
		return nil
	}
	return resp
}

// formErr returns a FORMERR response to a query that does not parse: its
// header with QR set, the opcode kept and every count zero (RFC 1035 §4.1.1).
func formErr(q, out []byte) []byte {
	out = append(out[:0], q[:12]...)
	out[2] = 0x80 | q[2]&0x78 | q[2]&0x01
	out[3] = dns.RcodeFormatError
	clear(out[4:12])
	return out
}

func qtypeOf(req *dns.Msg) uint16 {
	if len(req.Question) == 0 {
		return 0
	}
	return req.Question[0].Qtype
}

// pack packs m into out, signing it when req was signed with a key we know
// (RFC 8945 §5.3). A request signed with an unknown key or a bad MAC gets
// NOTAUTH with the TSIG error (RFC 8945 §5.2, §5.3.2). It returns the
// response code sent.
func (s *Server) pack(req *dns.Msg, raw []byte, m *dns.Msg, out []byte) ([]byte, int, error) {
	t := req.IsTsig()
	if t == nil {
		buf, err := m.PackBuffer(out[:cap(out)])
		return buf, m.Rcode, err
	}
	secret, err := s.tsigVerify(raw, t.Hdr.Name)
	if err != nil {
		buf, _, err := dns.TsigGenerate(s.tsigErrorMsg(req, err), secret, t.MAC, false)
		return buf, dns.RcodeNotAuth, err
	}
	m.SetTsig(t.Hdr.Name, t.Algorithm, tsigFudge, s.now().Unix())
	buf, _, err := dns.TsigGenerate(m, secret, t.MAC, false)
	return buf, m.Rcode, err
}
