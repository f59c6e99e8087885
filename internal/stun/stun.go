// Package stun encodes and decodes the STUN (RFC 5389) Binding messages
// that SIP Outbound (RFC 5626 §4.4.2, §8) sends as keep-alives on a UDP
// flow: a Binding request with FINGERPRINT, and the Binding success or
// error response with its XOR-MAPPED-ADDRESS (or the older
// MAPPED-ADDRESS). It also tells a STUN message from a SIP message that
// arrives on the same socket (RFC 5389 §6, §7.3; RFC 5626 §8: the first
// two bits are zero and the magic cookie is in place).
//
// It leaves out authentication (short- and long-term credentials,
// MESSAGE-INTEGRITY: RFC 5626 §8 keep-alives use none), ALTERNATE-SERVER,
// and every method but Binding. Unknown attributes are skipped.
//
//	req, id := stun.NewBindingRequest(rnd)
//	conn.Write(req)
//	...
//	if stun.Is(b) {
//		m, err := stun.Parse(b)
//		if err == nil && m.ID == id && m.Type == stun.BindingSuccess { use(m.Mapped) }
//	}
package stun

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
)

// Type is a STUN message type: method and class (RFC 5389 §6).
type Type uint16

// The Binding method's message types (RFC 5389 §6, §18.1).
const (
	BindingRequest Type = 0x0001
	BindingSuccess Type = 0x0101
	BindingError   Type = 0x0111
)

func (t Type) String() string {
	switch t {
	case BindingRequest:
		return "Binding request"
	case BindingSuccess:
		return "Binding success response"
	case BindingError:
		return "Binding error response"
	}
	return fmt.Sprintf("type 0x%04x", uint16(t))
}

// magicCookie is the fixed value of RFC 5389 §6.
const magicCookie = 0x2112A442

// HeaderLen is the length of the STUN header (RFC 5389 §6).
const HeaderLen = 20

// MaxLen bounds the messages Parse reads: a Binding response with its
// addresses and a reason phrase fits in a few hundred bytes, and RFC 5389
// §7.1 keeps STUN over UDP under the path MTU (548 bytes when unknown).
const MaxLen = 1280

// Attribute types (RFC 5389 §18.2).
const (
	attrMappedAddress    = 0x0001
	attrErrorCode        = 0x0009
	attrXORMappedAddress = 0x0020
	attrFingerprint      = 0x8028
)

// fingerprintXOR is XORed into the CRC-32 of FINGERPRINT (RFC 5389 §15.5).
const fingerprintXOR = 0x5354554e

// ID is a transaction ID (RFC 5389 §6: 96 bits, random).
type ID [12]byte

// Message is a decoded Binding message.
type Message struct {
	Type Type
	ID   ID
	// Mapped is the XOR-MAPPED-ADDRESS, or the MAPPED-ADDRESS when there
	// is no XOR-MAPPED-ADDRESS (RFC 5389 §15.1, §15.2); zero when neither.
	Mapped netip.AddrPort
	// ErrorCode is an error response's code (RFC 5389 §15.6: 300-699), 0
	// when absent.
	ErrorCode int
	// Fingerprint reports whether the message carried a FINGERPRINT; when
	// it does, Parse has checked it.
	Fingerprint bool
}

// Errors of Parse; each is wrapped with the detail.
var (
	ErrNotSTUN        = errors.New("not a STUN message")
	ErrTruncated      = errors.New("truncated STUN message")
	ErrBadAttribute   = errors.New("bad STUN attribute")
	ErrBadFingerprint = errors.New("STUN FINGERPRINT does not match")
)

// Is reports whether b looks like a STUN message rather than SIP: the two
// first bits zero (a SIP message begins with a letter) and the magic cookie
// at bytes 4-7 (RFC 5389 §6, RFC 5626 §8). Parse decides whether it is a
// well-formed one.
func Is(b []byte) bool {
	return len(b) >= HeaderLen && b[0]&0xc0 == 0 && binary.BigEndian.Uint32(b[4:8]) == magicCookie
}

// NewBindingRequest returns a Binding request with a FINGERPRINT (RFC 5389
// §7.1: it tells STUN from the SIP sharing the socket) and its
// transaction ID, read from random (crypto/rand.Read, or a seeded source
// in tests). It fails only when random does.
func NewBindingRequest(random func([]byte) (int, error)) ([]byte, ID, error) {
	var id ID
	if _, err := random(id[:]); err != nil {
		return nil, id, fmt.Errorf("STUN transaction ID: %w", err)
	}
	return Encode(Message{Type: BindingRequest, ID: id}), id, nil
}

// Encode returns m on the wire: the header, an XOR-MAPPED-ADDRESS when
// m.Mapped is set, an ERROR-CODE when m.ErrorCode is, and a FINGERPRINT
// always (m.Fingerprint is ignored).
func Encode(m Message) []byte {
	b := make([]byte, HeaderLen, 64)
	binary.BigEndian.PutUint16(b[0:2], uint16(m.Type)&0x3fff)
	binary.BigEndian.PutUint32(b[4:8], magicCookie)
	copy(b[8:20], m.ID[:])
	if m.Mapped.IsValid() {
		b = appendAttr(b, attrXORMappedAddress, xorAddress(m.Mapped, m.ID))
	}
	if m.ErrorCode != 0 {
		c := m.ErrorCode
		b = appendAttr(b, attrErrorCode, []byte{0, 0, byte(c / 100 & 7), byte(c % 100)})
	}
	return appendFingerprint(b)
}

func appendAttr(b []byte, typ uint16, v []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)-HeaderLen))
	return b
}

// appendFingerprint adds FINGERPRINT: the CRC-32 of the message before it,
// with the header's length already counting it (RFC 5389 §15.5).
func appendFingerprint(b []byte) []byte {
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)-HeaderLen+8))
	crc := crc32.ChecksumIEEE(b) ^ fingerprintXOR
	b = binary.BigEndian.AppendUint16(b, attrFingerprint)
	b = binary.BigEndian.AppendUint16(b, 4)
	return binary.BigEndian.AppendUint32(b, crc)
}

// xorAddress returns the value of XOR-MAPPED-ADDRESS for ap (RFC 5389
// §15.2): the port XORed with the cookie's high half, an IPv4 address
// with the cookie, an IPv6 address with the cookie and the transaction ID.
func xorAddress(ap netip.AddrPort, id ID) []byte {
	key := xorKey(id)
	addr := ap.Addr().Unmap()
	v := []byte{0, 1, 0, 0}
	raw := addr.AsSlice()
	if addr.Is6() {
		v[1] = 2
	}
	binary.BigEndian.PutUint16(v[2:4], ap.Port()^uint16(magicCookie>>16))
	for i := range raw {
		raw[i] ^= key[i]
	}
	return append(v, raw...)
}

// xorKey is the magic cookie followed by the transaction ID.
func xorKey(id ID) [16]byte {
	var k [16]byte
	binary.BigEndian.PutUint32(k[:4], magicCookie)
	copy(k[4:], id[:])
	return k
}
