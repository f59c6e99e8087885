package registrar

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// request returns a request of method with the usual headers; drop names
// headers to leave out.
func request(method string, drop ...string) string {
	lines := []string{
		method + " sip:example.org SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1",
		"Max-Forwards: 70",
		"From: <sip:alice@example.org>;tag=f1",
		"To: <sip:alice@example.org>",
		"Call-ID: c1",
		"CSeq: 1 " + method,
	}
	var b strings.Builder
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		keep := true
		for _, d := range drop {
			keep = keep && name != d
		}
		if keep {
			b.WriteString(l + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

func TestMethods(t *testing.T) {
	tests := []struct {
		method    string
		want      int // 0: no response
		wantAllow bool
	}{
		{method: "OPTIONS", want: 200, wantAllow: true},
		{method: "INVITE", want: 405, wantAllow: true},
		{method: "BYE", want: 405, wantAllow: true},
		{method: "MESSAGE", want: 405, wantAllow: true},
		{method: "CANCEL", want: 481},
		{method: "ACK", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			r, _, _ := newTestRegistrar(t, Config{})
			res := r.respond(parseRequest(t, request(tt.method)), testSource)
			if tt.want == 0 {
				if res != nil {
					t.Fatalf("got %d, want no response", res.StatusCode)
				}
				return
			}
			if res == nil || res.StatusCode != tt.want {
				t.Fatalf("got %v, want %d", res, tt.want)
			}
			if allow := res.GetHeader("Allow"); tt.wantAllow && (allow == nil || allow.Value() != "REGISTER, OPTIONS") {
				t.Errorf("Allow %v, want REGISTER, OPTIONS", allow)
			}
		})
	}
}

func TestFaultResponses(t *testing.T) {
	tests := []struct {
		name           string
		fault          Fault
		method         string
		want           int // 0: no response
		wantRetryAfter string
	}{
		{name: "503 default", fault: Fault{Kind: Fault503}, method: "REGISTER", want: 503, wantRetryAfter: "30"},
		{name: "503 with Retry-After", fault: Fault{Kind: Fault503, RetryAfter: 7 * time.Second}, method: "OPTIONS", want: 503, wantRetryAfter: "7"},
		{name: "silent REGISTER", fault: Fault{Kind: FaultSilent}, method: "REGISTER"},
		{name: "silent OPTIONS", fault: Fault{Kind: FaultSilent}, method: "OPTIONS"},
		{name: "refuse-tcp answers UDP", fault: Fault{Kind: FaultRefuseTCP}, method: "OPTIONS", want: 200},
		{name: "none", fault: Fault{}, method: "REGISTER", want: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, log := newTestRegistrar(t, Config{})
			if err := r.SetFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			res := r.respond(parseRequest(t, request(tt.method)), testSource)
			if tt.want == 0 {
				if res != nil {
					t.Fatalf("got %d, want no response", res.StatusCode)
				}
				if k := log.kinds(); k[len(k)-1] != "dropped" || r.Stats().Dropped != 1 {
					t.Errorf("events %v, stats %+v: want a drop", k, r.Stats())
				}
				return
			}
			if res == nil || res.StatusCode != tt.want {
				t.Fatalf("got %v, want %d", res, tt.want)
			}
			if ra := res.GetHeader("Retry-After"); tt.wantRetryAfter != "" && (ra == nil || ra.Value() != tt.wantRetryAfter) {
				t.Errorf("Retry-After %v, want %s", ra, tt.wantRetryAfter)
			}
		})
	}
}

func TestValidateRequest(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // error text; "" for valid
	}{
		{name: "valid", text: request("REGISTER")},
		{name: "no From", text: request("REGISTER", "From"), want: "no From header"},
		{name: "no To", text: request("REGISTER", "To"), want: "no To header"},
		{name: "no Call-ID", text: request("REGISTER", "Call-ID"), want: "no Call-ID header"},
		{name: "no CSeq", text: request("REGISTER", "CSeq"), want: "no CSeq header"},
		{name: "no Via", text: request("REGISTER", "Via"), want: "no Via header"},
		{name: "CSeq method differs", text: strings.Replace(request("REGISTER"), "1 REGISTER", "1 INVITE", 1), want: "CSeq method INVITE is not the request method REGISTER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := sip.ParseMessage([]byte(tt.text))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got := ""
			if err := validateRequest(msg.(*sip.Request)); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckDatagram(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string // substring; "" for accepted
	}{
		{name: "request", data: request("REGISTER")},
		{name: "keep-alive", data: "\r\n\r\n"},
		{name: "garbage", data: "hello world\r\n\r\n", wantErr: "parse"},
		{name: "response", data: "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nCSeq: 1 OPTIONS\r\nCall-ID: x\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nContent-Length: 0\r\n\r\n", wantErr: "a response"},
		{name: "no Call-ID", data: request("REGISTER", "Call-ID"), wantErr: "no Call-ID"},
		{name: "bad header", data: strings.Replace(request("REGISTER"), "To: <sip:alice@example.org>", "To: <<<", 1), wantErr: "parse"},
	}
	p := sip.NewParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDatagram(p, []byte(tt.data))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestMalformedDropped checks that respond drops a request missing a
// header, counts it and says why.
func TestMalformedDropped(t *testing.T) {
	r, _, log := newTestRegistrar(t, Config{})
	req := parseRequest(t, request("REGISTER", "From"))
	if res := r.respond(req, testSource); res != nil {
		t.Fatalf("got %d, want no response", res.StatusCode)
	}
	if s := r.Stats(); s.Dropped != 1 || s.Malformed != 1 || s.Received != 0 {
		t.Errorf("stats %+v, want one malformed drop", s)
	}
	if e := log.events[0]; e.Kind != EventDropped || e.Reason != "malformed: no From header" {
		t.Errorf("event %v, want dropped with the reason", e)
	}
}

// FuzzRequest feeds arbitrary datagrams through the UDP path without the
// sockets: the read filter's check, then the handler. Nothing may panic,
// and every answer must be a final response.
func FuzzRequest(f *testing.F) {
	f.Add([]byte(request("REGISTER")))
	f.Add([]byte(reg{contacts: []string{"*"}, expires: "0"}.text()))
	f.Add([]byte(reg{extra: []string{`Authorization: Digest username="alice", realm="lab", nonce="x", uri="sip:example.org", response="1", qop=auth, nc=00000001, cnonce="a"`}}.text()))
	f.Add([]byte("OPTIONS sip:x SIP/2.0\r\n\r\n"))
	r, _, _ := newTestRegistrar(f, Config{MinExpires: time.Second})
	p := sip.NewParser()
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkDatagram(p, data) != nil {
			return
		}
		msg, err := p.ParseSIP(data)
		if err != nil {
			return // keep-alive
		}
		req := msg.(*sip.Request)
		req.SetTransport("UDP")
		req.SetSource("127.0.0.1:5062")
		if res := r.respond(req, testSource); res != nil && (res.StatusCode < 200 || res.StatusCode > 699) {
			t.Errorf("status %d", res.StatusCode)
		}
	})
}

// TestVersionNotSupported checks that a request of another SIP version
// gets 505 Version Not Supported (RFC 3261 §21.5.6), itself written as
// SIP/2.0, the only version the registrar speaks (§7.1).
func TestVersionNotSupported(t *testing.T) {
	for _, method := range []string{"REGISTER", "OPTIONS", "INVITE"} {
		t.Run(method, func(t *testing.T) {
			r, _, _ := newTestRegistrar(t, Config{})
			text := strings.Replace(request(method), " SIP/2.0\r\n", " SIP/3.0\r\n", 1)
			res := r.respond(parseRequest(t, text), testSource)
			if res == nil || res.StatusCode != 505 {
				t.Fatalf("got %v, want 505", res)
			}
			if line, _, _ := strings.Cut(res.String(), "\r\n"); line != "SIP/2.0 505 Version Not Supported" {
				t.Errorf("status line %q, want SIP/2.0 505 Version Not Supported", line)
			}
		})
	}
}
