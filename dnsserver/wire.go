package dnsserver

import (
	"encoding/binary"
	"runtime"
	"sync"

	"github.com/miekg/dns"
)

// wireTable holds responses packed at load time. Each response is the one
// the slow path gives to a query with EDNS0, a large payload size and the
// DO bit clear, with ID, RD and CD zero; its OPT record, 11 bytes without
// options, is last.
//
// Memory: every response lives in one string, arena, and the map keys are
// substrings of it (the question at offset 12 is the key's name and type),
// so a name's answers cost their bytes and a map entry each: no allocation
// per response or key. A zone of 100k A records took 540 bytes per record
// in this table with a slice per response and a key per entry.
type wireTable struct {
	arena string
	// exact is keyed by the question as it is on the wire: the
	// lower-cased name followed by the type.
	exact map[string]wireRef
	// other is keyed by the name alone and answers every type that
	// exact lacks and otherTypeOK allows: where the name owns no CNAME,
	// the answer to any type it has no records of is the same NODATA or
	// referral, with only the question's type to patch.
	other map[string]wireRef
}

// wireRef is a response in the arena: where it starts, its length, its
// response code, and whether it is a zone's NODATA template.
type wireRef struct {
	off   uint32
	n     uint16
	rcode uint8
	tmpl  bool
}

// wireAnswer is a packed response and its response code. A template
// (tmpl) is a zone's NODATA response without its question, which patch
// takes from the query: the header, then the authority SOA uncompressed,
// then the OPT record. One template serves every name of the zone that
// has no data of the type asked, which saved about 100 bytes per name.
type wireAnswer struct {
	msg   string
	rcode uint8
	tmpl  bool
}

func (t *wireTable) answer(r wireRef) wireAnswer {
	return wireAnswer{msg: t.arena[r.off : r.off+uint32(r.n)], rcode: r.rcode, tmpl: r.tmpl}
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
// present and one answer for the other types. Names that do not exist
// (NXDOMAIN, wildcards) and ANY are left to the slow path and the sockets'
// answer caches: SIP clients never ask ANY, and its answer took a third
// of the table.
//
// Packing is most of a large zone's load, so the names are shared out
// among up to maxPackers goroutines, one per CPU, each packing into its
// own builder; respond only reads the snapshot. The builders are joined
// at the end.
func (s *snapshot) precompute() wireTable {
	var work []packJob
	for _, z := range s.zones {
		for name, n := range z.nodes {
			work = append(work, packJob{z, name, n})
		}
	}
	parts := make([]tableBuilder, max(1, min(runtime.GOMAXPROCS(0), maxPackers, len(work)/minPackJobs)))
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := tableBuilder{nodata: map[*Zone]wireRef{}, scratch: make([]byte, dns.MaxMsgSize)}
			for _, j := range work[i*len(work)/len(parts) : (i+1)*len(work)/len(parts)] {
				b.addNode(s, j.z, j.name, j.n)
			}
			parts[i] = b
		}()
	}
	wg.Wait()
	b := join(parts)
	return b.build()
}

// maxPackers bounds the goroutines that pack a snapshot's answers; each
// packs minPackJobs names at least.
const (
	maxPackers  = 8
	minPackJobs = 1024
)

// packJob is one name for precompute to pack the answers of.
type packJob struct {
	z    *Zone
	name string
	n    *node
}

// join appends the other builders' buffers and entries to the first's,
// their offsets moved along. A part that would take the arena past 4 GiB
// is left to the slow path.
func join(parts []tableBuilder) tableBuilder {
	b := parts[0]
	for _, p := range parts[1:] {
		base := len(b.buf)
		if uint64(base)+uint64(len(p.buf)) > 0xFFFFFFFF {
			continue
		}
		b.buf = append(b.buf, p.buf...)
		for _, e := range p.entries {
			e.ref.off += uint32(base)
			e.keyOff += uint32(base)
			b.entries = append(b.entries, e)
		}
	}
	return b
}

// tableBuilder collects the packed responses into one buffer, then makes
// it the arena and keys the maps with its substrings.
type tableBuilder struct {
	buf     []byte
	entries []tableEntry
	key     []byte            // scratch
	scratch []byte            // scratch for packing, dns.MaxMsgSize long
	nodata  map[*Zone]wireRef // each zone's NODATA template
	// name is where the current node's wire name is in buf (the question
	// of its first exact answer), for keying its "other" entry when that
	// is a template; nameLen 0 when there is none.
	nameOff uint32
	nameLen int
}

// tableEntry is one map entry to make: a response in buf, whether it goes
// into exact (keyed by name and type) or other (by name), and where its
// key is in buf.
type tableEntry struct {
	ref    wireRef
	exact  bool
	keyOff uint32
	keyLen int
}

func (b *tableBuilder) addNode(s *snapshot, z *Zone, name string, n *node) {
	b.nameLen = 0
	if len(n.set(dns.TypeCNAME)) > 0 {
		// The answer depends on the type asked and the CNAME target's data.
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypeNAPTR, dns.TypeCNAME, dns.TypeTXT} {
			b.add(s, name, qt, true)
		}
		return
	}
	for qt := range n.types {
		b.add(s, name, qt, true)
	}
	if len(n.set(templateType)) == 0 {
		b.addOther(s, z, name)
	}
}

// add packs the answer to name/qtype, to be keyed with the type or not.
func (b *tableBuilder) add(s *snapshot, name string, qtype uint16, withType bool) {
	msg, rcode, ok := b.pack(s, name, qtype)
	if ok {
		b.store(msg, rcode, withType)
	}
}

// addOther adds the answer for the types name lacks: the zone's NODATA
// template when that is the answer and the name's key is in buf already,
// else the answer itself.
func (b *tableBuilder) addOther(s *snapshot, z *Zone, name string) {
	if ref, ok := b.nodata[z]; ok && b.nameLen > 0 && s.zoneFor(name) == z && z.lookup(name, templateType).result == NoData {
		// The answer is the template made already: skip packing it,
		// half the packing of a zone of names with one type each.
		b.entries = append(b.entries, tableEntry{ref: ref, keyOff: b.nameOff, keyLen: b.nameLen})
		return
	}
	msg, rcode, ok := b.pack(s, name, templateType)
	if !ok {
		return
	}
	if b.nameLen > 0 && s.zoneFor(name) == z {
		if ref, ok := b.template(z, msg); ok {
			b.entries = append(b.entries, tableEntry{ref: ref, keyOff: b.nameOff, keyLen: b.nameLen})
			return
		}
	}
	b.store(msg, rcode, false)
}

// pack packs the answer to name/qtype into the builder's scratch buffer,
// valid until the next call.
func (b *tableBuilder) pack(s *snapshot, name string, qtype uint16) ([]byte, uint8, bool) {
	msg, rcode, ok := s.packInto(b.scratch, name, qtype)
	if ok && cap(msg) > cap(b.scratch) {
		b.scratch = msg[:cap(msg)]
	}
	return msg, rcode, ok
}

// store appends msg to buf and its entry, keyed by its question.
func (b *tableBuilder) store(msg []byte, rcode uint8, withType bool) {
	if len(msg) > 0xFFFF || len(b.buf)+len(msg) > 0xFFFFFFFF {
		return // left to the slow path
	}
	var ok bool
	b.key, ok = appendWireName(b.key[:0], msg[12:])
	if !ok || string(b.key) != string(msg[12:12+len(b.key)]) {
		return // not the lower-case, uncompressed question the key must be
	}
	off := uint32(len(b.buf))
	keyLen := len(b.key)
	if withType && b.nameLen == 0 {
		b.nameOff, b.nameLen = off+12, keyLen
	}
	if withType {
		keyLen += 2
	}
	ref := wireRef{off: off, n: uint16(len(msg)), rcode: rcode}
	b.buf = append(b.buf, msg...)
	b.entries = append(b.entries, tableEntry{ref: ref, exact: withType, keyOff: off + 12, keyLen: keyLen})
}

// template returns z's NODATA template, making it from msg the first
// time, when msg is such a NODATA answer: NOERROR, AA, one question, no
// answer, one authority record of type SOA and the OPT record (RFC 2308
// §2.2). It reports false for anything else (a referral, say).
func (b *tableBuilder) template(z *Zone, msg []byte) (wireRef, bool) {
	if len(msg) < 12 || string(msg[2:12]) != "\x84\x00\x00\x01\x00\x00\x00\x01\x00\x01" || !authorityIsSOA(msg) {
		return wireRef{}, false
	}
	if ref, ok := b.nodata[z]; ok {
		return ref, true
	}
	soa := z.negativeSOA()[0]
	rr := make([]byte, dns.Len(soa))
	n, err := dns.PackRR(soa, rr, 0, nil, false)
	if err != nil {
		return wireRef{}, false
	}
	off := uint32(len(b.buf))
	b.buf = append(b.buf, msg[:12]...)
	b.buf = append(b.buf, rr[:n]...)
	b.buf = append(b.buf, msg[len(msg)-optLen:]...)
	ref := wireRef{off: off, n: uint16(len(b.buf) - int(off)), tmpl: true}
	b.nodata[z] = ref
	return ref, true
}

// authorityIsSOA reports whether the record after msg's one question is
// an SOA.
func authorityIsSOA(msg []byte) bool {
	i := 12
	for i < len(msg) && msg[i] != 0 { // the question name, uncompressed
		i += 1 + int(msg[i])
	}
	i += 1 + 4 // the root label, type and class
	switch {
	case i+2 <= len(msg) && msg[i]&0xC0 == 0xC0:
		i += 2
	default:
		for i < len(msg) && msg[i] != 0 {
			i += 1 + int(msg[i])
		}
		i++
	}
	return i+2 <= len(msg) && binary.BigEndian.Uint16(msg[i:]) == dns.TypeSOA
}

// build returns the table: the buffer becomes the arena, and each key is
// a substring of it.
func (b *tableBuilder) build() wireTable {
	nExact := 0
	for _, e := range b.entries {
		if e.exact {
			nExact++
		}
	}
	t := wireTable{arena: string(b.buf), exact: make(map[string]wireRef, nExact), other: make(map[string]wireRef, len(b.entries)-nExact)}
	b.buf = nil
	for _, e := range b.entries {
		key := t.arena[e.keyOff : e.keyOff+uint32(e.keyLen)]
		if e.exact {
			t.exact[key] = e.ref
		} else {
			t.other[key] = e.ref
		}
	}
	return t
}

// canonical returns the slow path's answer to name/qtype asked with EDNS0,
// a large payload size, DO clear, ID, RD and CD zero: the form the fast
// path patches. It reports false when the answer cannot take that form.
func (s *snapshot) canonical(name string, qtype uint16) (wireAnswer, bool) {
	msg, rcode, ok := s.pack(name, qtype)
	return wireAnswer{msg: string(msg), rcode: rcode}, ok
}

// pack is canonical's response as bytes.
func (s *snapshot) pack(name string, qtype uint16) ([]byte, uint8, bool) {
	return s.packInto(nil, name, qtype)
}

// packInto is pack into buf when it is large enough (the table builder
// reuses one buffer for every answer).
func (s *snapshot) packInto(buf []byte, name string, qtype uint16) ([]byte, uint8, bool) {
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	req.RecursionDesired = false
	req.Id = 0
	req.SetEdns0(dns.MaxMsgSize, false)
	resp := s.respond(req)
	buf, err := resp.PackBuffer(buf)
	if err != nil || !endsWithOPT(buf) {
		return nil, 0, false
	}
	return buf, uint8(resp.Rcode), true
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
