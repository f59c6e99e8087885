package dnsserver

import (
	"encoding/binary"

	"github.com/miekg/dns"
)

// wireTable holds responses packed at load time. Each response is the one
// the slow path gives to a query with EDNS0, a large payload size and the
// DO bit clear, with ID, RD and CD zero; its OPT record, 11 bytes without
// options, is last.
type wireTable struct {
	// exact is keyed by the question as it is on the wire: the
	// lower-cased name followed by the type.
	exact map[string]wireAnswer
	// other is keyed by the name alone and answers every type that
	// exact lacks and otherTypeOK allows: where the name owns no CNAME,
	// the answer to any type it has no records of is the same NODATA or
	// referral, with only the question's type to patch.
	other map[string]wireAnswer
}

type wireAnswer struct {
	msg   []byte
	rcode uint8
}

// optLen is the length of the OPT record the server adds: root name, type,
// class, TTL and an empty RDATA (RFC 6891 §6.1.2).
const optLen = 11

// templateType is the question type the "other" answers are packed with:
// a private-use type (RFC 6895 §3.1) that no zone here has.
const templateType = 65534

// otherTypeOK reports whether a type may be answered from the "other"
// table: not the meta-types, which get FORMERR or special answers, and
// not DS, which the parent side of a cut answers (RFC 4035 §3.1.4.1).
func otherTypeOK(t uint16) bool {
	switch t {
	case dns.TypeANY, dns.TypeAXFR, dns.TypeIXFR, dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dns.TypeDS:
		return false
	}
	return true
}

// precompute packs, for every name in every zone, the answer to each type
// present and to ANY, and one answer for the other types. Names that do
// not exist (NXDOMAIN, wildcards) are left to the slow path.
func (s *snapshot) precompute() wireTable {
	t := wireTable{exact: map[string]wireAnswer{}, other: map[string]wireAnswer{}}
	for _, z := range s.zones {
		for name, n := range z.nodes {
			t.addNode(s, name, n)
		}
	}
	return t
}

func (t wireTable) addNode(s *snapshot, name string, n *node) {
	if len(n.sets[dns.TypeCNAME]) > 0 {
		// The answer depends on the type asked and the CNAME target's data.
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeCNAME, dns.TypeTXT} {
			t.add(t.exact, s, name, qt, true)
		}
		return
	}
	for qt := range n.sets {
		t.add(t.exact, s, name, qt, true)
	}
	t.add(t.exact, s, name, dns.TypeANY, true)
	if len(n.sets[templateType]) == 0 {
		t.add(t.other, s, name, templateType, false)
	}
}

// add packs the answer to name/qtype into m, keyed with the type or not.
func (t wireTable) add(m map[string]wireAnswer, s *snapshot, name string, qtype uint16, withType bool) {
	wa, ok := s.canonical(name, qtype)
	if !ok {
		return // left to the slow path
	}
	key, ok := appendWireName(make([]byte, 0, len(name)+4), wa.msg[12:])
	if !ok {
		return
	}
	if withType {
		key = binary.BigEndian.AppendUint16(key, qtype)
	}
	m[string(key)] = wa
}

// canonical returns the slow path's answer to name/qtype asked with EDNS0,
// a large payload size, DO clear, ID, RD and CD zero: the form the fast
// path patches. It reports false when the answer cannot take that form.
func (s *snapshot) canonical(name string, qtype uint16) (wireAnswer, bool) {
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	req.RecursionDesired = false
	req.Id = 0
	req.SetEdns0(dns.MaxMsgSize, false)
	resp := s.respond(req)
	buf, err := resp.Pack()
	if err != nil || !endsWithOPT(buf) {
		return wireAnswer{}, false
	}
	return wireAnswer{msg: buf, rcode: uint8(resp.Rcode)}, true
}

// appendWireName appends the uncompressed, lower-cased wire name at the start
// of b to key. It reports false for compression pointers, bad label lengths
// or a name past 255 bytes.
func appendWireName(key, b []byte) ([]byte, bool) {
	start := len(key)
	for i := 0; i < len(b); {
		l := int(b[i])
		if l == 0 {
			return append(key, 0), len(key)-start < 255
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
