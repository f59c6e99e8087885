package register

import (
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// FuzzChallenge feeds challenge header values to the digest code: it must
// return an error or credentials, never panic.
func FuzzChallenge(f *testing.F) {
	f.Add(`Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256`)
	f.Fuzz(func(t *testing.T, v string) {
		req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "example.com"})
		res := sip.NewResponse(401, "Unauthorized")
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", v))
		if err := authorize(req, res, "alice", "secret", 1); err == nil && req.GetHeader("Authorization") == nil {
			t.Fatal("no error and no Authorization header")
		}
	})
}

// FuzzResponse feeds raw responses through the checks a REGISTER's answer
// goes through.
func FuzzResponse(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@127.0.0.1:5>;expires=60\r\nContent-Length: 0\r\n\r\n"))
	d := dialogue{aor: sip.Uri{Scheme: "sip", User: "a", Host: "x"}, reqURI: sip.Uri{Scheme: "sip", Host: "x"}, callID: "c", fromTag: "1"}
	target := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("127.0.0.1"), Port: 9}
	req := d.newRequest(sip.REGISTER, target, &sip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1", Port: 5}, time.Hour)
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := sip.NewParser().ParseSIP(data)
		res, isRes := msg.(*sip.Response)
		if err != nil || !isRes {
			return
		}
		if err := checkResponse(req, res); err == nil && len(res.GetHeaders("Contact")) > maxContacts {
			t.Fatalf("accepted %d Contacts", len(res.GetHeaders("Contact")))
		}
		if g := grantedExpiry(res, sip.Uri{User: "a", Host: "127.0.0.1", Port: 5}, time.Hour); g < 0 || g > time.Hour {
			t.Fatalf("granted %v for an hour asked", g)
		}
		if m, err := minExpires(res, time.Hour); err == nil && (m <= time.Hour || m > 7*24*time.Hour) {
			t.Fatalf("Min-Expires %v accepted after asking an hour", m)
		}
		if r := retryAfter(res); r < 0 || r > 24*time.Hour {
			t.Fatalf("Retry-After %v", r)
		}
		creq := req.Clone()
		if err := authorize(creq, res, "a", "b", 1); err == nil && creq.GetHeader("Authorization") == nil && creq.GetHeader("Proxy-Authorization") == nil {
			t.Fatal("no error and no credentials")
		}
		_ = challengedBefore([]*sip.Response{res}, res)
	})
}
