package dnsserver

import (
	"encoding/binary"
)

// fastQuery is what the fast path reads from a query.
type fastQuery struct {
	nameLen int    // wire length of the question name
	qtype   uint16 // question type
	edns    bool   // the query had an OPT record
	size    int    // its payload size (RFC 6891 §6.2.3)
	do      bool   // its DO bit (RFC 3225)
}

// serveFast answers the query q from the precomputed table or, when c is
// not nil, from c (filling it on a miss), writing the response into out
// (reused). It reports false for anything it does not handle exactly as the
// slow path would; the caller then takes the slow path. key is scratch
// space. It returns the question type and response code for the counters.
func (s *snapshot) serveFast(q, out, key []byte, c *answerCache) (resp []byte, qtype uint16, rcode uint8, ok bool) {
	var fq fastQuery
	key, ok = parseFast(q, key[:0], &fq)
	if !ok {
		return nil, 0, 0, false
	}
	wa, ok := s.wire.lookup(key, &fq)
	if !ok && c != nil {
		wa, ok = c.lookup(s, q, key)
	}
	if !ok {
		return nil, 0, 0, false
	}
	resp, ok = patch(wa, q, out[:0], &fq)
	return resp, fq.qtype, wa.rcode, ok
}

// lookup finds the precomputed answer for key.
func (t *wireTable) lookup(key []byte, fq *fastQuery) (wireAnswer, bool) {
	r, ok := t.exact[string(key)]
	if !ok && otherTypeOK(fq.qtype) {
		r, ok = t.other[string(key[:fq.nameLen])]
	}
	if !ok {
		return wireAnswer{}, false
	}
	return t.answer(r), true
}

// parseFast checks that q is a plain query (one question of class IN,
// nothing else but an optional, well-formed OPT record) and appends its
// table key to key.
func parseFast(q, key []byte, fq *fastQuery) ([]byte, bool) {
	if len(q) < 17 || q[2]&0xFE != 0 || q[3]&0x0F != 0 {
		return nil, false // a response, an opcode other than QUERY, TC or an rcode
	}
	if binary.BigEndian.Uint64(q[4:12])&^1 != 1<<48 {
		return nil, false // not QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1
	}
	key, ok := appendWireName(key, q[12:])
	if !ok {
		return nil, false
	}
	fq.nameLen = len(key)
	i := 12 + fq.nameLen
	if i+4 > len(q) || binary.BigEndian.Uint16(q[i+2:]) != 1 {
		return nil, false
	}
	fq.qtype = binary.BigEndian.Uint16(q[i:])
	key = append(key, q[i], q[i+1])
	if q[11] == 0 {
		return key, i+4 == len(q)
	}
	return key, parseOPT(q[i+4:], fq)
}

// parseOPT reads the OPT record that must make up all of b (RFC 6891
// §6.1.2): root owner, version 0, options well formed.
func parseOPT(b []byte, fq *fastQuery) bool {
	if len(b) < optLen || b[0] != 0 || binary.BigEndian.Uint16(b[1:]) != 41 || b[5] != 0 || b[6] != 0 {
		return false
	}
	rdlen := int(binary.BigEndian.Uint16(b[9:]))
	if optLen+rdlen != len(b) || !wellFormedOptions(b[optLen:]) {
		return false
	}
	fq.edns, fq.size, fq.do = true, ednsLimit(binary.BigEndian.Uint16(b[3:])), b[7]&0x80 != 0
	return true
}

// wellFormedOptions reports whether b is a sequence of whole EDNS0 options.
func wellFormedOptions(b []byte) bool {
	for len(b) > 0 {
		if len(b) < 4 {
			return false
		}
		n := 4 + int(binary.BigEndian.Uint16(b[2:]))
		if n > len(b) {
			return false
		}
		b = b[n:]
	}
	return true
}

// patch copies the stored response into out and makes it the answer to q:
// its ID, RD and CD bits, the question name as the client spelled it (case
// included), and the EDNS0 part. A zone's NODATA template gets the whole
// question from q. It reports false when the response is too large for
// the client's UDP size.
func patch(wa wireAnswer, q, out []byte, fq *fastQuery) ([]byte, bool) {
	msg, qlen := wa.msg, fq.nameLen+4
	n := len(msg)
	if wa.tmpl {
		n += qlen
	}
	if !fq.edns {
		n -= optLen
	}
	if n > fq.size && fq.edns || !fq.edns && n > 512 {
		return nil, false
	}
	if wa.tmpl {
		out = append(out, msg[:12]...)
		out = append(out, q[12:12+qlen]...)
		out = append(out, msg[12:len(msg)-optLen]...)
		if fq.edns {
			out = append(out, msg[len(msg)-optLen:]...)
		}
	} else {
		out = append(out, msg[:n]...)
		copy(out[12:12+fq.nameLen+2], q[12:]) // the name and the type
	}
	out[0], out[1] = q[0], q[1]
	out[2] |= q[2] & 0x01 // RD (RFC 1035 §4.1.1)
	out[3] |= q[3] & 0x10 // CD (RFC 4035 §3.2.2)
	if !fq.edns {
		binary.BigEndian.PutUint16(out[10:], binary.BigEndian.Uint16(out[10:])-1)
	} else if fq.do {
		out[n-optLen+7] |= 0x80
	}
	return out, true
}
