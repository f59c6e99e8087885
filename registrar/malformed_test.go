package registrar

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// logRecords is an slog.Handler keeping "message key=value..." lines, so a
// test can check that a drop was logged with its reason.
type logRecords struct {
	mu    *sync.Mutex
	lines *[]string
	attrs string
}

func newLogRecords() *logRecords { return &logRecords{mu: &sync.Mutex{}, lines: &[]string{}} }

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message + l.attrs
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.Key + "=" + a.Value.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	*l.lines = append(*l.lines, line)
	return nil
}

func (l *logRecords) WithAttrs(as []slog.Attr) slog.Handler {
	s := l.attrs
	for _, a := range as {
		s += " " + a.Key + "=" + a.Value.String()
	}
	return &logRecords{mu: l.mu, lines: l.lines, attrs: s}
}

func (l *logRecords) WithGroup(string) slog.Handler { return l }

// has reports whether a line logged so far contains every part.
func (l *logRecords) has(parts ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range *l.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// waitFor reports whether a line with every part is logged within 5 s:
// sipgo may log after it has answered.
func (l *logRecords) waitFor(parts ...string) bool {
	for range 500 {
		if l.has(parts...) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// sipConn is a client connection to the registrar over UDP or TCP that
// reads whole responses.
type sipConn struct {
	net.Conn
	network string
	r       *bufio.Reader
}

func dialSIP(t *testing.T, r *Registrar, network string) *sipConn {
	t.Helper()
	c, err := net.Dial(network, addrOf(t, r, network))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &sipConn{Conn: c, network: network, r: bufio.NewReaderSize(c, 65536)}
}

// fix makes a request written for UDP from 127.0.0.1:5062 fit this
// connection: its transport and local address in the Via.
func (c *sipConn) fix(msg string) string {
	via := "SIP/2.0/" + strings.ToUpper(c.network) + " " + c.LocalAddr().String()
	return strings.Replace(msg, "SIP/2.0/UDP 127.0.0.1:5062", via, 1)
}

// readResponse reads the next response (without a body), failing the test
// after 5 s.
func (c *sipConn) readResponse(t *testing.T) *sip.Response {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var head []byte
	if c.network == "udp" {
		buf := make([]byte, 65536)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		head = buf[:n]
	} else {
		for {
			line, err := c.r.ReadBytes('\n')
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			head = append(head, line...)
			if strings.TrimSpace(string(line)) == "" && len(head) > 2 {
				break
			}
		}
	}
	msg, err := sip.ParseMessage(head)
	res, ok := msg.(*sip.Response)
	if err != nil || !ok {
		t.Fatalf("not a response (%v): %q", err, head)
	}
	return res
}

// malformed are requests the registrar must drop with the reason, over
// UDP and TCP alike: sipgo parses them, respond (or, on UDP, the read
// filter) refuses them.
var malformed = []struct {
	name   string
	text   string
	reason string
}{
	{name: "no From", text: request("REGISTER", "From"), reason: "malformed: no From header"},
	{name: "no To", text: request("REGISTER", "To"), reason: "malformed: no To header"},
	{name: "no Call-ID", text: request("REGISTER", "Call-ID"), reason: "malformed: no Call-ID header"},
	{name: "CSeq method differs", text: strings.Replace(request("REGISTER"), "CSeq: 1 REGISTER", "CSeq: 1 INVITE", 1), reason: "malformed: CSeq method INVITE is not the request method REGISTER"},
	{name: "OPTIONS without To", text: request("OPTIONS", "To"), reason: "malformed: no To header"},
}

// TestMalformedRequestsDropped sends each malformed request over UDP and
// over TCP, then a good OPTIONS on the same connection: the first answer
// must be the OPTIONS', the drop must be an event with the reason, a
// warning in the log, and counted.
func TestMalformedRequestsDropped(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range malformed {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				logs := newLogRecords()
				r, events := startTestRegistrar(t, Config{Logger: slog.New(logs)})
				c := dialSIP(t, r, network)
				if _, err := c.Write([]byte(c.fix(tc.text))); err != nil {
					t.Fatal(err)
				}
				// A transaction of its own (RFC 3261 §17.2.3: another branch),
				// or sipgo could take it for a retransmission of a dropped
				// OPTIONS and absorb it.
				after := strings.Replace(request("OPTIONS"), "Call-ID: c1", "Call-ID: after", 1)
				after = strings.Replace(after, "branch=z9hG4bK-1", "branch=z9hG4bK-after", 1)
				if _, err := c.Write([]byte(c.fix(after))); err != nil {
					t.Fatal(err)
				}
				if res := c.readResponse(t); res.CallID().Value() != "after" || res.StatusCode != 200 {
					t.Fatalf("first answer: %d for Call-ID %s; want 200 to the OPTIONS", res.StatusCode, res.CallID().Value())
				}
				if e := firstEvent(t, events, EventDropped); e.Reason != tc.reason || !strings.HasPrefix(e.Source, network+":127.0.0.1:") {
					t.Errorf("dropped %q from %s, want %q from %s", e.Reason, e.Source, tc.reason, network)
				}
				if !logs.has("WARN dropped", "reason="+tc.reason) {
					t.Errorf("no warning with reason %q", tc.reason)
				}
				if s := r.Stats(); s.Malformed != 1 || s.Dropped != 1 {
					t.Errorf("stats %+v, want one malformed drop", s)
				}
			})
		}
	}
}

// firstEvent returns the first event of kind, failing after 5 s.
func firstEvent(t *testing.T, events chan Event, kind EventKind) Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == kind {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event within 5 s", kind)
			return Event{}
		}
	}
}

// TestMalformedDatagramsDropped sends datagrams that do not parse as a
// request: the read filter drops each with the reason, answers nothing,
// and the next good request is answered.
func TestMalformedDatagramsDropped(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		reason string // prefix
	}{
		{name: "garbage", data: "hello world\r\n\r\n", reason: "malformed: parse"},
		{name: "binary", data: "\x00\xff\xfe\x01REGISTER\r\n\r\n", reason: "malformed: parse"},
		{name: "a response", data: "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-1\r\nCSeq: 1 OPTIONS\r\nCall-ID: x\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nContent-Length: 0\r\n\r\n", reason: "malformed: a response"},
		{name: "no Via", data: request("REGISTER", "Via"), reason: "malformed: no Via header"},
		{name: "no CSeq", data: request("REGISTER", "CSeq"), reason: "malformed: no CSeq header"},
		{name: "bad To", data: strings.Replace(request("REGISTER"), "To: <sip:alice@example.org>", "To: <<<", 1), reason: "malformed: parse"},
		{name: "Content-Length past the datagram", data: strings.Replace(request("REGISTER"), "Content-Length: 0", "Content-Length: 500", 1), reason: "malformed: parse"},
		{name: "empty Call-ID", data: strings.Replace(request("REGISTER"), "Call-ID: c1", "Call-ID: ", 1), reason: "malformed: parse: empty Call-ID"},
		{name: "bad request line", data: strings.Replace(request("REGISTER"), "REGISTER sip:example.org SIP/2.0", "REGISTER", 1), reason: "malformed: parse"},
		{name: "larger than sipgo reads", data: strings.Replace(request("REGISTER"), "Max-Forwards: 70", "X-Junk: "+strings.Repeat("j", 40000), 1), reason: "malformed: parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := newLogRecords()
			r, events := startTestRegistrar(t, Config{Logger: slog.New(logs)})
			c := dialSIP(t, r, "udp")
			if _, err := c.Write([]byte(c.fix(tc.data))); err != nil {
				t.Fatal(err)
			}
			if e := firstEvent(t, events, EventDropped); !strings.HasPrefix(e.Reason, tc.reason) {
				t.Errorf("dropped with %q, want %q", e.Reason, tc.reason)
			}
			if !logs.has("WARN dropped", "reason="+tc.reason) {
				t.Errorf("no warning with reason %q", tc.reason)
			}
			after := strings.Replace(request("OPTIONS"), "Call-ID: c1", "Call-ID: after", 1)
			if _, err := c.Write([]byte(c.fix(after))); err != nil {
				t.Fatal(err)
			}
			if res := c.readResponse(t); res.CallID().Value() != "after" {
				t.Errorf("answered Call-ID %s, want the OPTIONS after", res.CallID().Value())
			}
			if s := r.Stats(); s.Malformed != 1 {
				t.Errorf("stats %+v, want one malformed", s)
			}
		})
	}
}

// TestTCPFramingErrors sends TCP streams that are not a request sipgo can
// hand to the registrar. sipgo answers 400 to a request it cannot make a
// transaction of (no Via, no CSeq) and closes a connection it cannot
// frame; either way the reason is logged, and the next connection is
// served. A response is dropped like one over UDP.
func TestTCPFramingErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // "400", "closed" or "dropped"
		log  string // in a warning or error logged
	}{
		{name: "garbage", data: "hello world\r\n\r\n", want: "closed", log: "is not a SIP message"},
		{name: "no Via", data: request("REGISTER", "Via"), want: "400", log: "'Via' header not found"},
		{name: "no CSeq", data: request("REGISTER", "CSeq"), want: "400", log: "'CSeq' header not found"},
		{name: "empty Call-ID", data: strings.Replace(request("REGISTER"), "Call-ID: c1", "Call-ID: ", 1), want: "closed", log: "empty Call-ID"},
		{name: "bad Content-Length", data: strings.Replace(request("REGISTER"), "Content-Length: 0", "Content-Length: -1", 1), want: "closed", log: `parsing "-1"`},
		{name: "a message past 64 KiB", data: strings.Replace(request("REGISTER"), "Content-Length: 0", "Content-Length: 100000", 1) + strings.Repeat("x", 100000), want: "closed", log: "exceeds ParseMaxMessageLength"},
		{name: "a header line past 64 KiB", data: "REGISTER sip:example.org SIP/2.0\r\nX-Junk: " + strings.Repeat("j", 70000), want: "closed", log: "exceeds ParseMaxMessageLength"},
		{name: "a response", data: "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-1\r\nCSeq: 1 OPTIONS\r\nCall-ID: x\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nContent-Length: 0\r\n\r\n", want: "dropped", log: "reason=malformed: a response"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := newLogRecords()
			r, events := startTestRegistrar(t, Config{Logger: slog.New(logs)})
			c := dialSIP(t, r, "tcp")
			_, _ = c.Write([]byte(c.fix(tc.data)))
			switch tc.want {
			case "400":
				if res := c.readResponse(t); res.StatusCode != 400 {
					t.Errorf("answered %d, want 400", res.StatusCode)
				}
			case "closed":
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.r.ReadByte(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("read %v, want the connection closed", err)
				}
			case "dropped":
				if e := firstEvent(t, events, EventDropped); !strings.HasPrefix(e.Source, "tcp:127.0.0.1:") {
					t.Errorf("dropped from %q, want tcp", e.Source)
				}
				if s := r.Stats(); s.Malformed != 1 {
					t.Errorf("stats %+v, want one malformed", s)
				}
			}
			if !logs.waitFor(tc.log) {
				t.Errorf("nothing logged with %q", tc.log)
			}
			good := dialSIP(t, r, "tcp")
			if _, err := good.Write([]byte(good.fix(request("OPTIONS")))); err != nil {
				t.Fatal(err)
			}
			if res := good.readResponse(t); res.StatusCode != 200 {
				t.Errorf("next connection: %d, want 200", res.StatusCode)
			}
		})
	}
}
