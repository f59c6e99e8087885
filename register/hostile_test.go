package register

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// hostileServer answers every request on a raw UDP socket with the text
// reply returns for it (headers taken from the request), so tests can send
// responses no well-behaved stack would build.
func hostileServer(t *testing.T, reply func(req *sip.Request) string) locate.Target {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		buf := make([]byte, 65535)
		parser := sip.NewParser()
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			msg, err := parser.ParseSIP(buf[:n])
			req, isReq := msg.(*sip.Request)
			if err != nil || !isReq {
				continue
			}
			_, _ = conn.WriteTo([]byte(reply(req)), from)
		}
	}()
	return locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(conn.LocalAddr().(*net.UDPAddr).Port)}
}

// response builds a response to req: status line, the request's Via,
// then headers with {from}, {to}, {callid}, {cseq} replaced.
func response(statusLine string, headers ...string) func(req *sip.Request) string {
	return func(req *sip.Request) string {
		var b strings.Builder
		b.WriteString("SIP/2.0 " + statusLine + "\r\n")
		b.WriteString("Via: " + req.Via().Value() + "\r\n")
		r := strings.NewReplacer("{from}", req.From().Value(), "{to}", req.To().Value(), "{callid}", req.CallID().Value(), "{cseq}", req.CSeq().Value())
		for _, h := range headers {
			b.WriteString(r.Replace(h) + "\r\n")
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		return b.String()
	}
}

func TestHostileResponsesAreDropped(t *testing.T) {
	good := []string{"From: {from}", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: {cseq}"}
	hugeContacts := append([]string{}, good...)
	for i := range 300 {
		hugeContacts = append(hugeContacts, fmt.Sprintf("Contact: <sip:u%d@192.0.2.1>;expires=60", i))
	}
	tests := []struct {
		name  string
		reply func(*sip.Request) string
	}{
		{name: "wrong Call-ID", reply: response("200 OK", "From: {from}", "To: {to};tag=x", "Call-ID: someone-else", "CSeq: {cseq}")},
		{name: "missing CSeq", reply: response("200 OK", "From: {from}", "To: {to};tag=x", "Call-ID: {callid}")},
		{name: "missing From", reply: response("200 OK", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: {cseq}")},
		{name: "wrong CSeq", reply: response("200 OK", "From: {from}", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: 999999 REGISTER")},
		{name: "wrong From tag", reply: response("200 OK", "From: <sip:alice@example.com>;tag=forged", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: {cseq}")},
		{name: "huge Contact list", reply: response("200 OK", hugeContacts...)},
		{name: "401 without challenge", reply: response("401 Unauthorized", good...)},
		{name: "401 with a Basic challenge", reply: response("401 Unauthorized", append(good, `WWW-Authenticate: Basic realm="x"`)...)},
		{name: "401 with an unknown algorithm", reply: response("401 Unauthorized", append(good, `WWW-Authenticate: Digest realm="x", nonce="y", algorithm=MD4`)...)},
		{name: "401 with qop auth-int only", reply: response("401 Unauthorized", append(good, `WWW-Authenticate: Digest realm="x", nonce="y", qop="auth-int"`)...)},
		{name: "401 with a broken challenge", reply: response("401 Unauthorized", append(good, `WWW-Authenticate: Digest realm="x, nonce=`)...)},
		{name: "423 without Min-Expires", reply: response("423 Interval Too Brief", good...)},
		{name: "garbage", reply: func(*sip.Request) string { return "SIP/2.0 200\r\n\r\n\x00\xff" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acct := alice()
			acct.MaxTries = 1
			acct.AttemptTimeout = 300 * time.Millisecond
			ev, _ := startAgent(t, []locate.Target{hostileServer(t, tc.reply)}, acct)
			got := ev.wait(t, RoundFailed)
			for _, e := range ev.snapshot() {
				if e.Kind == Registered {
					t.Fatalf("registered with a hostile server: %s", ev.summary())
				}
			}
			if got.Err == nil {
				t.Errorf("round failed without a reason")
			}
		})
	}
}
