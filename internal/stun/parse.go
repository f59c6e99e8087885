package stun

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/netip"
)

// Parse decodes one STUN message that fills b (a UDP datagram holds one,
// RFC 5389 §7.2.1). It checks the header (RFC 5389 §6: the two first
// bits, the cookie, a length that is a multiple of 4 and matches b), every
// attribute's bounds, the FINGERPRINT when there is one (it must be the
// last attribute and its CRC-32 must match, §15.5), and the address and
// error-code attributes it reads. A second copy of an attribute is
// ignored and unknown attributes are skipped (§15).
func Parse(b []byte) (Message, error) {
	var m Message
	if err := checkHeader(b); err != nil {
		return m, err
	}
	m.Type = Type(binary.BigEndian.Uint16(b[0:2]))
	copy(m.ID[:], b[8:20])
	var xorSeen, plainSeen bool
	for off := HeaderLen; off < len(b); {
		if len(b)-off < 4 {
			return m, fmt.Errorf("%w: attribute header at %d", ErrTruncated, off)
		}
		typ := binary.BigEndian.Uint16(b[off : off+2])
		n := int(binary.BigEndian.Uint16(b[off+2 : off+4]))
		end := off + 4 + n
		if end > len(b) {
			return m, fmt.Errorf("%w: attribute 0x%04x of %d bytes at %d", ErrTruncated, typ, n, off)
		}
		v := b[off+4 : end]
		var err error
		switch {
		case typ == attrXORMappedAddress && !xorSeen:
			xorSeen = true
			m.Mapped, err = parseAddress(v, xorKey(m.ID))
		case typ == attrMappedAddress && !plainSeen && !xorSeen:
			plainSeen = true
			m.Mapped, err = parseAddress(v, [16]byte{})
		case typ == attrErrorCode && m.ErrorCode == 0:
			m.ErrorCode, err = parseErrorCode(v)
		case typ == attrFingerprint && end != len(b):
			err = fmt.Errorf("%w: attribute after FINGERPRINT", ErrBadAttribute)
		case typ == attrFingerprint:
			err = checkFingerprint(b[:off], v)
			m.Fingerprint = true
		}
		if err != nil {
			return m, err
		}
		off = end + pad(n)
	}
	return m, nil
}

// checkHeader checks what RFC 5389 §6 fixes in the header, and that the
// message is the whole of b.
func checkHeader(b []byte) error {
	if len(b) < HeaderLen {
		return fmt.Errorf("%w: %d bytes, the header alone has %d", ErrTruncated, len(b), HeaderLen)
	}
	if !Is(b) {
		return ErrNotSTUN
	}
	if len(b) > MaxLen {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrBadAttribute, len(b), MaxLen)
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n%4 != 0 {
		return fmt.Errorf("%w: length %d is not a multiple of 4", ErrNotSTUN, n)
	}
	if HeaderLen+n != len(b) {
		return fmt.Errorf("%w: length %d, %d bytes follow the header", ErrTruncated, n, len(b)-HeaderLen)
	}
	return nil
}

// pad returns the padding after an attribute value of n bytes (RFC 5389
// §15: values are padded to a multiple of 4).
func pad(n int) int { return (4 - n%4) % 4 }

// parseAddress reads MAPPED-ADDRESS (key all zero) or XOR-MAPPED-ADDRESS
// (RFC 5389 §15.1, §15.2): family 1 with 4 address bytes or family 2 with
// 16.
func parseAddress(v []byte, key [16]byte) (netip.AddrPort, error) {
	if len(v) < 4 {
		return netip.AddrPort{}, fmt.Errorf("%w: address of %d bytes", ErrBadAttribute, len(v))
	}
	size := map[byte]int{1: 4, 2: 16}[v[1]]
	if size == 0 || len(v) != 4+size {
		return netip.AddrPort{}, fmt.Errorf("%w: address family %d with %d bytes", ErrBadAttribute, v[1], len(v)-4)
	}
	port := binary.BigEndian.Uint16(v[2:4]) ^ binary.BigEndian.Uint16(key[0:2])
	raw := make([]byte, size)
	for i := range raw {
		raw[i] = v[4+i] ^ key[i]
	}
	addr, _ := netip.AddrFromSlice(raw) // 4 or 16 bytes: always an address
	return netip.AddrPortFrom(addr, port), nil
}

// parseErrorCode reads ERROR-CODE (RFC 5389 §15.6): class 3 to 6, number
// 0 to 99; the reason phrase is not kept.
func parseErrorCode(v []byte) (int, error) {
	if len(v) < 4 {
		return 0, fmt.Errorf("%w: ERROR-CODE of %d bytes", ErrBadAttribute, len(v))
	}
	class, number := int(v[2]&7), int(v[3])
	if class < 3 || class > 6 || number > 99 {
		return 0, fmt.Errorf("%w: ERROR-CODE class %d number %d", ErrBadAttribute, class, number)
	}
	return class*100 + number, nil
}

// checkFingerprint checks FINGERPRINT's value against the message before
// it (RFC 5389 §15.5); the header's length already counts it.
func checkFingerprint(before, v []byte) error {
	if len(v) != 4 {
		return fmt.Errorf("%w: FINGERPRINT of %d bytes", ErrBadAttribute, len(v))
	}
	if crc32.ChecksumIEEE(before)^fingerprintXOR != binary.BigEndian.Uint32(v) {
		return ErrBadFingerprint
	}
	return nil
}
