package dnsserver

import (
	"encoding/binary"
	"encoding/hex"
	"errors"

	"github.com/miekg/dns"
)

// tsigFudge is the time error allowed in our signatures, in seconds (RFC 8945
// §10 recommends 300).
const tsigFudge = 300

// tsigVerify checks the TSIG of the raw request signed with key (RFC 8945
// §5.2); it returns dns.ErrSecret for a key the server does not know.
func (s *Server) tsigVerify(raw []byte, key string) (secret string, err error) {
	secret, ok := s.cfg.tsigSecrets()[dns.CanonicalName(key)]
	if !ok {
		return "", dns.ErrSecret
	}
	return secret, dns.TsigVerify(raw, secret, "", false)
}

// tsigError returns the TSIG error code for a failed verification: BADKEY
// for a key or algorithm the server does not know (RFC 8945 §5.2.1),
// BADTIME for a signature outside the fudge (§5.2.3), BADSIG otherwise
// (§5.2.2).
func tsigError(err error) uint16 {
	switch {
	case errors.Is(err, dns.ErrSecret), errors.Is(err, dns.ErrKeyAlg):
		return dns.RcodeBadKey
	case errors.Is(err, dns.ErrTime):
		return dns.RcodeBadTime
	}
	return dns.RcodeBadSig
}

// tsigErrorMsg returns the NOTAUTH response to req, whose TSIG failed with
// err, carrying a TSIG record with the error and the request's ID (RFC
// 8945 §5.3.2). Packed with dns.TsigGenerate (or miekg's WriteMsg) it is
// unsigned for BADKEY and BADSIG, and signed for BADTIME with the server's
// time in Other Data (§5.2.3).
func (s *Server) tsigErrorMsg(req *dns.Msg, err error) *dns.Msg {
	t := req.IsTsig()
	m := new(dns.Msg).SetRcode(req, dns.RcodeNotAuth)
	now := s.now().Unix()
	m.SetTsig(t.Hdr.Name, t.Algorithm, tsigFudge, now)
	rr := m.IsTsig()
	rr.OrigId, rr.Error = req.Id, tsigError(err)
	if rr.Error == dns.RcodeBadTime {
		var other [6]byte
		binary.BigEndian.PutUint16(other[:], uint16(now>>32))
		binary.BigEndian.PutUint32(other[2:], uint32(now))
		rr.OtherData, rr.OtherLen = hex.EncodeToString(other[:]), 6
	}
	return m
}
