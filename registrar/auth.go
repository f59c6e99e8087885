package registrar

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authenticator checks digest credentials (RFC 3261 §22.4, RFC 2617,
// RFC 8760). Its nonces carry their issue time, the source IP and AOR
// they were issued to, under an HMAC, so a challenge needs no storage; a
// nonce serves only the host and AOR it was issued to. Once a nonce is
// used with a right digest, counts remembers its nonce count, so that a
// replayed request is refused (RFC 7616 §3.4).
type authenticator struct {
	realm    string
	users    Users
	algs     []string
	secret   []byte
	lifetime time.Duration
	counts   *nonceCounts
}

// nonceSkew is how far in the future a nonce's time may be (clock steps).
const nonceSkew = time.Second

// nonceLen is the length of a decoded nonce: issue time, 8 random bytes,
// 16 bytes of HMAC.
const nonceLen = 8 + 8 + 16

// nonce returns a nonce issued at now to ip for aor: base64url of the time
// in Unix nanoseconds, 8 random bytes (two challenges in the same
// nanosecond differ) and the first 16 bytes of their HMAC-SHA-256.
func (a *authenticator) nonce(now time.Time, ip, aor string) string {
	raw := make([]byte, 16, nonceLen)
	binary.BigEndian.PutUint64(raw, uint64(now.UnixNano()))
	_, _ = rand.Read(raw[8:16]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(append(raw, a.mac(raw, ip, aor)...))
}

// mac signs the nonce's time and random bytes with what it was issued
// for: the realm, the client's IP address (not its port, which a NAT may
// change between requests) and the AOR.
func (a *authenticator) mac(head []byte, ip, aor string) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write(head)
	for _, s := range []string{a.realm, ip, aor} {
		m.Write([]byte{0})
		m.Write([]byte(s))
	}
	return m.Sum(nil)[:16]
}

// checkNonce reports whether n is a nonce this authenticator issued to ip
// for aor and, if so, when, and whether it is still fresh at now.
func (a *authenticator) checkNonce(n string, now time.Time, ip, aor string) (valid, fresh bool, issued time.Time) {
	raw, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(raw) != nonceLen || !hmac.Equal(raw[16:], a.mac(raw[:16], ip, aor)) {
		return false, false, time.Time{}
	}
	issued = time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	age := now.Sub(issued)
	return true, age >= -nonceSkew && age <= a.lifetime, issued
}

// challenge returns a 401 with one WWW-Authenticate per algorithm, most
// preferred first (RFC 8760 §2.4), each with qop="auth" and a nonce for
// ip and aor.
func (a *authenticator) challenge(now time.Time, stale bool, ip, aor string) *statusError {
	n := a.nonce(now, ip, aor)
	var hs []sip.Header
	for _, alg := range a.algs {
		c := digest.Challenge{Realm: a.realm, Nonce: n, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		hs = append(hs, sip.NewHeader("WWW-Authenticate", c.String()))
	}
	return fail(401, "Unauthorized", hs...)
}

// verify checks the Authorization of req (RFC 3261 §22.4) and returns the
// authenticated user. It answers 401 with a new challenge when there are
// no credentials for the realm, or they use an unknown algorithm or a
// nonce not issued to this source IP for this AOR; 401 with stale=true
// when the digest is right but the nonce too old or already used with
// this nonce count (a replay, RFC 7616 §3.4; without qop, RFC 2069 style,
// a nonce serves once); 400 when they are malformed and 403 when user or
// digest is wrong.
func (a *authenticator) verify(req *sip.Request, now time.Time) (string, *statusError) {
	ip, aor := sourceIP(req.Source()), nonceAOR(req)
	cred, serr := a.credentials(req)
	if serr != nil || cred == nil {
		return "", cmpOr(serr, a.challenge(now, false, ip, aor))
	}
	valid, fresh, issued := a.checkNonce(cred.Nonce, now, ip, aor)
	if !valid || !a.offers(cred.Algorithm) {
		return "", a.challenge(now, false, ip, aor)
	}
	if serr := checkDigestURI(cred.URI, req.Recipient); serr != nil {
		return "", serr
	}
	ok, serr := a.digestMatches(cred, req.Method.String())
	switch {
	case serr != nil:
		return "", serr
	case !ok:
		return "", fail(403, "Forbidden")
	case !fresh || !a.counts.use(cred.Nonce, issued, uint32(cred.Nc), now):
		return "", a.challenge(now, true, ip, aor)
	}
	return cred.Username, nil
}

// sourceIP returns the IP of a host:port source; the whole string when it
// has no port.
func sourceIP(source string) string {
	if host, _, err := net.SplitHostPort(source); err == nil {
		return host
	}
	return source
}

// nonceAOR returns the AOR a nonce is bound to: the canonical To URI, or
// the To URI as written when it is not one the registrar serves.
func nonceAOR(req *sip.Request) string {
	if aor, _, serr := canonicalAOR(req.To().Address); serr == nil {
		return aor
	}
	return req.To().Address.String()
}

// credentials returns the digest credentials of req for this realm, nil
// when there are none.
func (a *authenticator) credentials(req *sip.Request) (*digest.Credentials, *statusError) {
	for _, h := range req.GetHeaders("Authorization") {
		cred, err := digest.ParseCredentials(h.Value())
		if err != nil {
			return nil, fail(400, "Malformed Authorization")
		}
		if cred.Realm == a.realm {
			return cred, nil
		}
	}
	return nil, nil
}

func (a *authenticator) offers(alg string) bool {
	if alg == "" {
		alg = "MD5" // RFC 2617 §3.2.1: absent means MD5
	}
	for _, x := range a.algs {
		if strings.EqualFold(x, alg) {
			return true
		}
	}
	return false
}

// digestMatches recomputes the response of cred (RFC 2617 §3.2.2.1) with
// the user's password and compares it in constant time.
func (a *authenticator) digestMatches(cred *digest.Credentials, method string) (bool, *statusError) {
	pass, known := a.users[cred.Username]
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	switch {
	case cred.Userhash:
		return false, fail(400, "Userhash Not Supported")
	case cred.QOP == "auth" && (cred.Cnonce == "" || cred.Nc <= 0):
		return false, fail(400, "Missing cnonce or nc")
	case cred.QOP == "auth":
		chal.QOP = []string{"auth"}
	case cred.QOP != "":
		return false, fail(400, "Unsupported qop")
	}
	want, err := digest.Digest(chal, digest.Options{Method: method, URI: cred.URI, Username: cred.Username, Password: pass, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil {
		return false, fail(400, "Bad Digest")
	}
	same := hmac.Equal([]byte(strings.ToLower(cred.Response)), []byte(want.Response))
	return known && same, nil
}

// checkDigestURI checks that the digest-uri names the Request-URI, as
// RFC 2617 §3.2.2.5 asks; SIP clients spell it differently (with or
// without parameters), so user, host and port are compared.
func checkDigestURI(s string, recipient sip.Uri) *statusError {
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		return fail(400, "Bad Digest URI")
	}
	if u.User != recipient.User || !strings.EqualFold(u.Host, recipient.Host) || u.Port != recipient.Port {
		return fail(400, "Digest URI Mismatch")
	}
	return nil
}

func cmpOr(a, b *statusError) *statusError {
	if a != nil {
		return a
	}
	return b
}
