package register

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// hostile is a raw SIP responder on 127.0.0.1: it answers every request
// with the text its reply function returns (headers taken from the
// request), so tests can send responses no well-behaved stack would build.
type hostile struct {
	target   locate.Target
	requests atomic.Int64 // REGISTERs received
}

// startHostile starts a raw responder on transport (UDP or TCP).
func startHostile(t *testing.T, transport locate.Transport, reply func(req *sip.Request) string) *hostile {
	t.Helper()
	h := &hostile{}
	var port int
	if transport == locate.TCP {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close() })
		port = l.Addr().(*net.TCPAddr).Port
		go h.serveTCP(l, reply)
	} else {
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		port = conn.LocalAddr().(*net.UDPAddr).Port
		go h.serveUDP(conn, reply)
	}
	h.target = locate.Target{Transport: transport, Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(port)}
	return h
}

// handle parses one request and returns the reply to write, "" for none.
func (h *hostile) handle(data []byte, reply func(req *sip.Request) string) string {
	msg, err := sip.NewParser().ParseSIP(data)
	req, isReq := msg.(*sip.Request)
	if err != nil || !isReq {
		return ""
	}
	if req.Method == sip.REGISTER {
		h.requests.Add(1)
	}
	return reply(req)
}

func (h *hostile) serveUDP(conn net.PacketConn, reply func(req *sip.Request) string) {
	buf := make([]byte, 65535)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := h.handle(buf[:n], reply); out != "" {
			_, _ = conn.WriteTo([]byte(out), from)
		}
	}
}

// serveTCP answers requests without a body (REGISTER, OPTIONS) on every
// connection until the listener is closed.
func (h *hostile) serveTCP(l net.Listener, reply func(req *sip.Request) string) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				head, err := readHead(r)
				if err != nil {
					return
				}
				if out := h.handle(head, reply); out != "" {
					_, _ = io.WriteString(c, out)
				}
			}
		}()
	}
}

// readHead reads a message up to its empty line (at most 64 lines).
func readHead(r *bufio.Reader) ([]byte, error) {
	var b []byte
	for range 64 {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		b = append(b, line...)
		if len(strings.TrimSpace(string(line))) == 0 && len(b) > 2 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("request head of more than 64 lines")
}

// rawResponse builds a response to req: the status line, then headers with
// {via}, {from}, {to}, {callid} and {cseq} replaced by the request's.
func rawResponse(statusLine string, headers ...string) func(req *sip.Request) string {
	return func(req *sip.Request) string {
		var b strings.Builder
		b.WriteString("SIP/2.0 " + statusLine + "\r\n")
		r := strings.NewReplacer("{via}", req.Via().Value(), "{from}", req.From().Value(), "{to}", req.To().Value(), "{callid}", req.CallID().Value(), "{cseq}", req.CSeq().Value())
		for _, h := range headers {
			b.WriteString(r.Replace(h) + "\r\n")
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		return b.String()
	}
}

// response is rawResponse with the request's Via first.
func response(statusLine string, headers ...string) func(req *sip.Request) string {
	return rawResponse(statusLine, append([]string{"Via: {via}"}, headers...)...)
}

// goodHeaders are the headers a response to REGISTER must carry.
var goodHeaders = []string{"Via: {via}", "From: {from}", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: {cseq}"}

// with returns goodHeaders followed by extra.
func with(extra ...string) []string {
	return append(append([]string{}, goodHeaders...), extra...)
}

// without returns goodHeaders less the one named.
func without(name string) []string {
	var out []string
	for _, h := range goodHeaders {
		if !strings.HasPrefix(h, name+":") {
			out = append(out, h)
		}
	}
	return out
}

// contacts returns n Contact header lines.
func contacts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Contact: <sip:u%d@192.0.2.1>;expires=60", i)
	}
	return out
}

// contactList returns one Contact header with n values.
func contactList(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("<sip:u%d@192.0.2.1>", i)
	}
	return "Contact: " + strings.Join(vals, ",")
}

// logRecord is one slog record, its attributes flattened to key=value.
type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// logRecorder is an slog.Handler that keeps every record, so a test can
// check that a dropped response was logged with its reason.
type logRecorder struct {
	mu    *sync.Mutex
	recs  *[]logRecord
	attrs []slog.Attr
}

func newLogRecorder() *logRecorder {
	return &logRecorder{mu: &sync.Mutex{}, recs: &[]logRecord{}}
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	for _, a := range l.attrs {
		rec.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	*l.recs = append(*l.recs, rec)
	return nil
}

func (l *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logRecorder{mu: l.mu, recs: l.recs, attrs: append(append([]slog.Attr{}, l.attrs...), as...)}
}

func (l *logRecorder) WithGroup(string) slog.Handler { return l }

// lines returns the records logged so far at level or above, as
// "LEVEL message: key=value ...", each cut to 300 bytes.
func (l *logRecorder) lines(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range *l.recs {
		if r.level < level {
			continue
		}
		s := r.level.String() + " " + r.msg + ":"
		for k, v := range r.attrs {
			s += " " + k + "=" + v[:min(len(v), 300)]
		}
		out = append(out, s)
	}
	return out
}

// longest returns the length of the longest message or value logged.
func (l *logRecorder) longest() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range *l.recs {
		n = max(n, len(r.msg))
		for _, v := range r.attrs {
			n = max(n, len(v))
		}
	}
	return n
}

// startLoggedAgent is startAgent with a logger that records.
func startLoggedAgent(t *testing.T, targets []locate.Target, acct Account) (*events, *logRecorder) {
	t.Helper()
	rec := newLogRecorder()
	ev := startWith(t, Config{Logger: slog.New(rec), RetryBase: time.Hour, RetryMax: time.Hour}, targets, acct)
	return ev, rec
}

// hostileAccount fails a round after one attempt of 300 ms at most.
func hostileAccount() Account {
	acct := alice()
	acct.MaxTries = 1
	acct.AttemptTimeout = 300 * time.Millisecond
	return acct
}

// TestHostileResponsesAreDropped sends responses that cannot be the answer
// to our REGISTER. Each must be dropped with a logged reason (ours, or
// sipgo's when it cannot even match the response to a transaction), the
// attempt must end when its time is up (never a registration, a panic or
// a hang), and the round must fail with a reason.
func TestHostileResponsesAreDropped(t *testing.T) {
	const ours = "dropped a response"
	tests := []struct {
		name      string
		transport locate.Transport // default UDP
		reply     func(*sip.Request) string
		log       []string // all in one log record; nil: none needed
		reason    string   // in the round's error
	}{
		{name: "wrong Call-ID", reply: response("200 OK", "From: {from}", "To: {to};tag=x", "Call-ID: someone-else", "CSeq: {cseq}"), log: []string{ours, `Call-ID "someone-else" is not ours`}},
		{name: "missing Call-ID", reply: rawResponse("200 OK", without("Call-ID")...), log: []string{ours, "missing Call-ID, CSeq, From or To"}},
		{name: "missing From", reply: rawResponse("200 OK", without("From")...), log: []string{ours, "missing Call-ID, CSeq, From or To"}},
		{name: "missing To", reply: rawResponse("200 OK", without("To")...), log: []string{ours, "missing Call-ID, CSeq, From or To"}},
		{name: "missing CSeq", reply: rawResponse("200 OK", without("CSeq")...), log: []string{"failed to handle response", "'CSeq' header not found"}},
		{name: "missing Via", reply: rawResponse("200 OK", without("Via")...), log: []string{"Via"}},
		{name: "wrong CSeq number", reply: response("200 OK", "From: {from}", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: 999999 REGISTER"), log: []string{ours, `CSeq "999999 REGISTER" does not match`}},
		{name: "wrong CSeq method", reply: response("200 OK", "From: {from}", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: 1 OPTIONS"), log: []string{"response outside any transaction", "status=200"}},
		{name: "wrong From tag", reply: response("200 OK", "From: <sip:alice@example.com>;tag=forged", "To: {to};tag=x", "Call-ID: {callid}", "CSeq: {cseq}"), log: []string{ours, "From tag does not match"}},
		{name: "only 100 Trying", reply: rawResponse("100 Trying", goodHeaders...), reason: "no answer"},
		{name: "status 999", reply: rawResponse("999 Odd", goodHeaders...), log: []string{"999"}},
		{name: "garbage", reply: func(*sip.Request) string { return "SIP/2.0 200\r\n\r\n\x00\xff" }, log: []string{"failed to parse"}},
		{name: "300 Contact headers", reply: rawResponse("200 OK", with(contacts(300)...)...), log: []string{ours, "300 Contact values, more than 256"}},
		{name: "1,000 Contacts in one long header", reply: rawResponse("200 OK", with(contactList(1000))...), log: []string{ours, "1000 Contact values, more than 256"}},
		{name: "a datagram larger than sipgo reads", reply: rawResponse("200 OK", with(contactList(2000))...), log: []string{"failed to parse"}},
		{name: "1,500 Contact headers over TCP", transport: locate.TCP, reply: rawResponse("200 OK", with(contacts(1500)...)...), log: []string{ours, "1500 Contact values, more than 256"}},
		{name: "garbage over TCP", transport: locate.TCP, reply: func(*sip.Request) string { return "HTTP/1.1 400 Bad Request\r\n\r\n\x00\xff" }, log: []string{"failed to parse"}},
		{name: "half a response over TCP", transport: locate.TCP, reply: func(req *sip.Request) string {
			return strings.TrimSuffix(rawResponse("200 OK", goodHeaders...)(req), "\r\n\r\n")
		}, reason: "no answer"},
		{name: "3,000 Contact headers over TCP", transport: locate.TCP, reply: rawResponse("200 OK", with(contacts(3000)...)...), log: []string{"exceeds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startHostile(t, cmp(tc.transport, locate.UDP), tc.reply)
			ev, logs := startLoggedAgent(t, []locate.Target{h.target}, hostileAccount())
			got := ev.wait(t, RoundFailed)
			if n := ev.count(Registered); n != 0 {
				t.Fatalf("registered with a hostile server: %s", ev.summary())
			}
			if got.Err == nil {
				t.Errorf("round failed without a reason")
			}
			if len(tc.log) == 2 && tc.log[0] == ours && got.Err != nil && !strings.Contains(got.Err.Error(), tc.log[1]) {
				t.Errorf("round failed with %v, want the drop's reason %q", got.Err, tc.log[1])
			}
			if got.Err != nil && !strings.Contains(got.Err.Error(), tc.reason) {
				t.Errorf("round failed with %v, want %q", got.Err, tc.reason)
			}
			if n := logs.longest(); n > maxLogValue+50 {
				t.Errorf("logged a value of %d bytes: a hostile server fills the log", n)
			}
			if l := logs.lines(slog.LevelDebug); tc.log != nil && !anyContains(l, tc.log...) {
				t.Errorf("no log record with %q; records:\n%s", tc.log, strings.Join(l, "\n"))
			}
		})
	}
}

// cmp returns v, or def when v is the zero value.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// anyContains reports whether one of lines contains every part.
func anyContains(lines []string, parts ...string) bool {
	for _, l := range lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}

// sequence answers the nth REGISTER (from 0) with replies[n], and every
// later one with the last.
func sequence(replies ...func(*sip.Request) string) func(*sip.Request) string {
	var n atomic.Int64
	return func(req *sip.Request) string {
		i := min(int(n.Add(1))-1, len(replies)-1)
		return replies[i](req)
	}
}

// freshChallenges answers every REGISTER with code and a new nonce, stale
// or not.
func freshChallenges(code int, stale bool) func(*sip.Request) string {
	var n atomic.Int64
	name := "WWW-Authenticate"
	if code == 407 {
		name = "Proxy-Authenticate"
	}
	return func(req *sip.Request) string {
		chal := fmt.Sprintf(`%s: Digest realm="example.com", nonce="n%d", qop="auth"`, name, n.Add(1))
		if stale {
			chal += ", stale=true"
		}
		return rawResponse(fmt.Sprintf("%d Challenge", code), with(chal)...)(req)
	}
}

// growingMinExpires answers every REGISTER with 423 and a Min-Expires a
// minute above what it asked for.
func growingMinExpires(req *sip.Request) string {
	asked, _ := strconv.Atoi(req.GetHeader("Expires").Value())
	return rawResponse("423 Interval Too Brief", with(fmt.Sprintf("Min-Expires: %d", asked+60))...)(req)
}

// okWith answers 200 with the request's Contact and the given suffix
// (";expires=N") and extra headers.
func okWith(contactParams string, extra ...string) func(*sip.Request) string {
	return func(req *sip.Request) string {
		hs := with(extra...)
		if c := req.Contact(); c != nil && contactParams != "-" {
			hs = append(hs, "Contact: <"+c.Address.String()+">"+contactParams)
		}
		return rawResponse("200 OK", hs...)(req)
	}
}

// TestHostileChallengesAndExpiries checks the answers that are well
// formed but unusable or absurd: bad digest challenges, challenges that
// never end, 423s that cannot be met, 200s with odd expiries. Each is
// handled with a reason, in a bounded number of requests.
func TestHostileChallengesAndExpiries(t *testing.T) {
	const hour = time.Hour // alice asks for an hour
	chal := func(v string) func(*sip.Request) string {
		return rawResponse("401 Unauthorized", with("WWW-Authenticate: "+v)...)
	}
	tests := []struct {
		name         string
		reply        func(*sip.Request) string
		wantExpires  time.Duration // > 0: registered for this long
		reason       string        // else: in the round's error
		wantRequests int64         // 0: do not check
	}{
		{name: "401 without challenge", reply: rawResponse("401 Unauthorized", goodHeaders...), reason: "no challenge", wantRequests: 1},
		{name: "401 with a Basic challenge", reply: chal(`Basic realm="x"`), reason: "no usable challenge", wantRequests: 1},
		{name: "401 without nonce", reply: chal(`Digest realm="x", qop="auth"`), reason: "without realm or nonce", wantRequests: 1},
		{name: "401 without realm", reply: chal(`Digest nonce="y"`), reason: "without realm or nonce", wantRequests: 1},
		{name: "401 with an unknown algorithm", reply: chal(`Digest realm="x", nonce="y", algorithm=MD4`), reason: `unsupported algorithm "MD4"`, wantRequests: 1},
		{name: "401 with qop auth-int only", reply: chal(`Digest realm="x", nonce="y", qop="auth-int"`), reason: "unsupported qop", wantRequests: 1},
		{name: "401 with a broken challenge", reply: chal(`Digest realm="x, nonce=`), reason: "no usable challenge", wantRequests: 1},
		{name: "401 with garbage", reply: chal("\x01\x02\x7f=,,==\"\""), reason: "no usable challenge", wantRequests: 1},
		{name: "401 with a 5,000-byte challenge", reply: chal(`Digest realm="` + strings.Repeat("r", 5000) + `", nonce="y"`), reason: "challenge of 5", wantRequests: 1},
		{name: "401 again after credentials", reply: freshChallenges(401, false), reason: "401: credentials refused", wantRequests: 2},
		{name: "407 again after credentials", reply: freshChallenges(407, false), reason: "407: credentials refused", wantRequests: 2},
		{name: "stale 401 forever", reply: freshChallenges(401, true), reason: "too many challenges or 423s", wantRequests: maxSteps},
		{name: "407, 401, 407 stale, 401 stale...", reply: sequence(freshChallenges(407, false), freshChallenges(401, false), freshChallenges(407, true), freshChallenges(401, true)), reason: "too many challenges or 423s", wantRequests: maxSteps},
		{name: "423 without Min-Expires", reply: rawResponse("423 Interval Too Brief", goodHeaders...), reason: "423 without Min-Expires", wantRequests: 1},
		{name: "423 with a smaller Min-Expires", reply: rawResponse("423 Interval Too Brief", with("Min-Expires: 60")...), reason: `unusable Min-Expires "60"`, wantRequests: 1},
		{name: "423 with an absurd Min-Expires", reply: rawResponse("423 Interval Too Brief", with("Min-Expires: 99999999999")...), reason: "unusable Min-Expires", wantRequests: 1},
		{name: "423 forever, Min-Expires growing", reply: growingMinExpires, reason: "too many challenges or 423s", wantRequests: maxSteps},
		{name: "200 without Expires or Contact", reply: okWith("-"), wantExpires: hour},
		{name: "200 with our Contact but no expiry", reply: okWith(""), wantExpires: hour},
		{name: "200 with an Expires of 99999999999", reply: okWith("-", "Expires: 99999999999"), wantExpires: hour},
		{name: "200 with a negative Expires", reply: okWith("-", "Expires: -5"), wantExpires: hour},
		{name: "200 granting more than asked", reply: okWith(";expires=4000000000"), wantExpires: hour},
		{name: "200 with an Expires header above asked", reply: okWith("-", "Expires: 86400"), wantExpires: hour},
		{name: "200 granting less than asked", reply: okWith(";expires=120"), wantExpires: 2 * time.Minute},
		{name: "200 with expires 0", reply: okWith(";expires=0"), reason: "expires 0: binding not kept", wantRequests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := startHostile(t, locate.UDP, tc.reply)
			ev, logs := startLoggedAgent(t, []locate.Target{h.target}, hostileAccount())
			if tc.wantExpires > 0 {
				if got := ev.wait(t, Registered); got.Expires != tc.wantExpires {
					t.Errorf("registered for %v, want %v", got.Expires, tc.wantExpires)
				}
				return
			}
			got := ev.wait(t, RoundFailed)
			if n := ev.count(Registered); n != 0 {
				t.Fatalf("registered: %s", ev.summary())
			}
			if got.Err == nil || !strings.Contains(got.Err.Error(), tc.reason) {
				t.Errorf("round failed with %v, want %q", got.Err, tc.reason)
			}
			if errors.Is(got.Err, errDropped) && !anyContains(logs.lines(slog.LevelWarn), "dropped a response", tc.reason) {
				t.Errorf("no warning with %q; records:\n%s", tc.reason, strings.Join(logs.lines(slog.LevelWarn), "\n"))
			}
			if n := h.requests.Load(); tc.wantRequests > 0 && n != tc.wantRequests {
				t.Errorf("server got %d REGISTERs, want %d", n, tc.wantRequests)
			}
		})
	}
}
