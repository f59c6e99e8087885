package registrar

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authenticator checks digest credentials (RFC 3261 §22.4, RFC 2617,
// RFC 8760). Its nonces carry their issue time and an HMAC over it, so
// they need no storage; the price is that it does not track nonce counts,
// and a replayed request is accepted while its nonce is fresh.
type authenticator struct {
	realm    string
	users    Users
	algs     []string
	secret   []byte
	lifetime time.Duration
}

// nonceSkew is how far in the future a nonce's time may be (clock steps).
const nonceSkew = time.Second

// nonce returns a nonce issued at now: base64url of the time in Unix
// nanoseconds and the first 16 bytes of its HMAC-SHA-256.
func (a *authenticator) nonce(now time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.UnixNano()))
	return base64.RawURLEncoding.EncodeToString(append(ts[:], a.mac(ts[:])...))
}

func (a *authenticator) mac(ts []byte) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write(ts)
	m.Write([]byte(a.realm))
	return m.Sum(nil)[:16]
}

// checkNonce reports whether n is a nonce this authenticator issued and,
// if so, whether it is still fresh at now.
func (a *authenticator) checkNonce(n string, now time.Time) (valid, fresh bool) {
	raw, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(raw) != 24 || !hmac.Equal(raw[8:], a.mac(raw[:8])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	age := now.Sub(issued)
	return true, age >= -nonceSkew && age <= a.lifetime
}

// challenge returns a 401 with one WWW-Authenticate per algorithm, most
// preferred first (RFC 8760 §2.4), each with qop="auth".
func (a *authenticator) challenge(now time.Time, stale bool) *statusError {
	n := a.nonce(now)
	var hs []sip.Header
	for _, alg := range a.algs {
		c := digest.Challenge{Realm: a.realm, Nonce: n, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		hs = append(hs, sip.NewHeader("WWW-Authenticate", c.String()))
	}
	return fail(401, "Unauthorized", hs...)
}

// verify checks the Authorization of req (RFC 3261 §22.4) and returns the
// authenticated user. It answers 401 with a new challenge when there are no
// credentials for the realm, or they use an unknown algorithm or nonce,
// 401 with stale=true when the digest is right but the nonce too old,
// 400 when they are malformed and 403 when user or digest is wrong.
func (a *authenticator) verify(req *sip.Request, now time.Time) (string, *statusError) {
	cred, serr := a.credentials(req)
	if serr != nil || cred == nil {
		return "", cmpOr(serr, a.challenge(now, false))
	}
	valid, fresh := a.checkNonce(cred.Nonce, now)
	if !valid || !a.offers(cred.Algorithm) {
		return "", a.challenge(now, false)
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
	case !fresh:
		return "", a.challenge(now, true)
	}
	return cred.Username, nil
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
