package register

import (
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// maxChallengeLen bounds a challenge header value; real ones are < 300 bytes.
const maxChallengeLen = 2048

// authorize adds digest credentials (RFC 3261 §22.2 and §22.3, RFC 8760
// for SHA-256) answering the 401's WWW-Authenticate or the 407's
// Proxy-Authenticate in res to req, as the count-th request on its nonce
// (the nc of qop=auth, RFC 7616 §3.4). The error says why the challenge
// could not be answered.
func authorize(req *sip.Request, res *sip.Response, user, password string, count int) error {
	chalName, credName := "WWW-Authenticate", "Authorization"
	if res.StatusCode == sip.StatusProxyAuthRequired {
		chalName, credName = "Proxy-Authenticate", "Proxy-Authorization"
	}
	values := make([]string, 0, 2)
	for _, h := range res.GetHeaders(chalName) {
		values = append(values, h.Value())
	}
	chal, err := pickChallenge(values)
	if err != nil {
		return fmt.Errorf("%w: %d: %w", errDropped, res.StatusCode, err)
	}
	cred, err := digest.Digest(chal, digest.Options{
		Method:   req.Method.String(),
		URI:      req.Recipient.String(),
		Username: user,
		Password: password,
		Count:    count,
	})
	if err != nil {
		return fmt.Errorf("%w: %d: %w", errDropped, res.StatusCode, err)
	}
	req.RemoveHeader(credName)
	req.AppendHeader(sip.NewHeader(credName, cred.String()))
	return nil
}

// pickChallenge returns the first digest challenge among values that we
// can answer: RFC 8760 §2.4 has the UAC use the topmost one it supports,
// the server listing them by preference. We answer MD5, SHA-256 and
// SHA-512-256 with no qop or qop=auth.
func pickChallenge(values []string) (*digest.Challenge, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("no challenge")
	}
	var reasons []string
	for _, v := range values {
		chal, err := parseChallenge(v)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		return chal, nil
	}
	return nil, fmt.Errorf("no usable challenge: %s", strings.Join(reasons, "; "))
}

// parseChallenge parses one challenge and checks that we can answer it.
func parseChallenge(v string) (*digest.Challenge, error) {
	if len(v) > maxChallengeLen {
		return nil, fmt.Errorf("challenge of %d bytes", len(v))
	}
	chal, err := digest.ParseChallenge(v)
	if err != nil {
		return nil, err
	}
	chal.Algorithm = strings.ToUpper(chal.Algorithm) // some servers write md5
	switch chal.Algorithm {
	case "", "MD5", "SHA-256", "SHA-512-256":
	default:
		return nil, fmt.Errorf("unsupported algorithm %q", chal.Algorithm)
	}
	if chal.Nonce == "" || chal.Realm == "" {
		return nil, fmt.Errorf("challenge without realm or nonce")
	}
	qop := chal.QOP
	chal.QOP = nil
	for _, q := range qop {
		if q = strings.TrimSpace(q); q == "auth" {
			chal.QOP = []string{"auth"}
		}
	}
	if len(qop) > 0 && chal.QOP == nil {
		return nil, fmt.Errorf("unsupported qop %q", strings.Join(qop, ","))
	}
	return chal, nil
}
