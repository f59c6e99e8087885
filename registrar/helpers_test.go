package registrar

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/siplocate/siplocate/internal/fakeclock"
)

const testSource = "udp:127.0.0.1:5062"

// eventLog records events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// kinds returns the kinds recorded so far.
func (l *eventLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e.Kind.String())
	}
	return out
}

// newTestRegistrar returns a stopped registrar with user alice, a fake
// clock and an event log; cfg's set fields are kept.
func newTestRegistrar(t testing.TB, cfg Config) (*Registrar, *fakeclock.Clock, *eventLog) {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	log := &eventLog{}
	if cfg.Users == nil && !cfg.NoAuth {
		cfg.Users = Users{"alice": "secret", "bob": "hunter2"}
	}
	if cfg.Realm == "" {
		cfg.Realm = "lab"
	}
	cfg.Now = clock.Now
	cfg.OnEvent = log.add
	cfg.Secret = []byte("test secret")
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r, clock, log
}

// reg describes a REGISTER to build.
type reg struct {
	user     string   // AOR user; default alice
	callID   string   // default "call-1"
	cseq     int      // default 1
	contacts []string // Contact header values; default one for the user
	expires  string   // Expires header value; "" leaves it out
	extra    []string // more header lines
}

// text returns the REGISTER as it would come off the wire.
func (g reg) text() string {
	user := or(g.user, "alice")
	callID := or(g.callID, "call-1")
	cseq := max(g.cseq, 1)
	contacts := g.contacts
	if contacts == nil {
		contacts = []string{"<sip:" + user + "@127.0.0.1:5062>"}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER sip:example.org SIP/2.0\r\n")
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-%s-%d\r\n", callID, cseq)
	fmt.Fprintf(&b, "Max-Forwards: 70\r\nFrom: <sip:%s@example.org>;tag=f1\r\nTo: <sip:%s@example.org>\r\n", user, user)
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d REGISTER\r\n", callID, cseq)
	for _, c := range contacts {
		fmt.Fprintf(&b, "Contact: %s\r\n", c)
	}
	if g.expires != "" {
		fmt.Fprintf(&b, "Expires: %s\r\n", g.expires)
	}
	for _, h := range g.extra {
		fmt.Fprintf(&b, "%s\r\n", h)
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// request parses text into a request, as sipgo would hand it over.
func parseRequest(t testing.TB, text string) *sip.Request {
	t.Helper()
	msg, err := sip.ParseMessage([]byte(text))
	if err != nil {
		t.Fatalf("parse request: %v\n%s", err, text)
	}
	req := msg.(*sip.Request)
	req.SetTransport("UDP")
	req.SetSource("127.0.0.1:5062")
	return req
}

// withAuth returns g's request carrying credentials for the first
// challenge of res, computed with password.
func withAuth(t testing.TB, g reg, res *sip.Response, password string) *sip.Request {
	t.Helper()
	h := res.GetHeader("WWW-Authenticate")
	if h == nil {
		t.Fatalf("no WWW-Authenticate in %d response", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		t.Fatalf("parse challenge: %v", err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:example.org", Username: or(g.user, "alice"), Password: password, Cnonce: "c0ffee", Count: 1})
	if err != nil {
		t.Fatalf("digest: %v", err)
	}
	g.extra = append(g.extra, "Authorization: "+cred.String())
	return parseRequest(t, g.text())
}

// contactsOf returns the Contact header values of res.
func contactsOf(res *sip.Response) []string {
	var out []string
	for _, h := range res.GetHeaders("Contact") {
		out = append(out, h.Value())
	}
	return out
}
