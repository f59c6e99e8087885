package dnsserver

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

// wireTable holds responses packed at load time, keyed by the question as
// it is on the wire: the lower-cased name followed by the type. Each
// response is the one the slow path gives to a query with EDNS0, a large
// payload size and the DO bit clear, with ID, RD and CD zero; its OPT
// record, 11 bytes without options, is last.
type wireTable map[string]wireAnswer

type wireAnswer struct {
	msg   []byte
	rcode uint8
}

// optLen is the length of the OPT record the server adds: root name, type,
// class, TTL and an empty RDATA (RFC 6891 §6.1.2).
const optLen = 11

// precomputeTypes are the types answered from the table at every name, so
// that negative answers for the usual questions are fast too.
var precomputeTypes = []uint16{
	dns.TypeA, dns.TypeNS, dns.TypeCNAME, dns.TypeSOA, dns.TypePTR, dns.TypeMX,
	dns.TypeTXT, dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeHTTPS, dns.TypeANY,
}

// precompute packs the answer to every (name, type) of precomputeTypes and
// of the types present, for every name in every zone. Names that do not
// exist (NXDOMAIN, wildcards) are left to the slow path.
func (s *snapshot) precompute() wireTable {
	t := wireTable{}
	for _, z := range s.zones {
		for name, n := range z.nodes {
			for _, qt := range precomputeTypes {
				t.add(s, name, qt)
			}
			for qt := range n.sets {
				t.add(s, name, qt)
			}
		}
	}
	return t
}

// add packs the answer to name/qtype into the table.
func (t wireTable) add(s *snapshot, name string, qtype uint16) {
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	req.RecursionDesired = false
	req.Id = 0
	req.SetEdns0(dns.MaxMsgSize, false)
	m := s.respond(req)
	buf, err := m.Pack()
	if err != nil || !endsWithOPT(buf) {
		return // left to the slow path
	}
	key := make([]byte, 0, len(name)+4)
	key, ok := appendWireName(key, buf[12:])
	if !ok {
		return
	}
	key = binary.BigEndian.AppendUint16(key, qtype)
	t[string(key)] = wireAnswer{msg: buf, rcode: uint8(m.Rcode)}
}

// appendWireName appends the uncompressed, lower-cased wire name at the start
// of b to key. It reports false for compression pointers, bad label lengths
// or a name past 255 bytes.
func appendWireName(key, b []byte) ([]byte, bool) {
	for i := 0; i < len(b); {
		l := int(b[i])
		if l == 0 {
			return append(key, 0), len(key) < 255
		}
		if l > 63 || i+1+l > len(b) {
			return key, false
		}
		key = append(key, b[i])
		for _, c := range b[i+1 : i+1+l] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			key = append(key, c)
		}
		i += 1 + l
	}
	return key, false
}

// endsWithOPT reports whether msg's last record is an OPT record without
// options, which the fast path removes or patches in place.
func endsWithOPT(msg []byte) bool {
	if len(msg) < 12+optLen || binary.BigEndian.Uint16(msg[10:]) == 0 {
		return false
	}
	opt := msg[len(msg)-optLen:]
	return opt[0] == 0 && binary.BigEndian.Uint16(opt[1:]) == dns.TypeOPT && binary.BigEndian.Uint16(opt[9:]) == 0
}
