package register

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/locate"
)

// registeredContact runs an agent with cfg for alice against a test
// registrar on 127.0.14.1 and returns the registrar and the Contact the
// agent registered; requests the registrar sends to it come from the
// socket the agent registered with, as a registrar's keepalives do.
func registeredContact(t *testing.T, cfg Config) (*testServer, sip.Uri) {
	t.Helper()
	srv := newTestServerAt(t, "127.0.14.1:0", ok)
	ev := startWith(t, cfg, []locate.Target{srv.target}, alice())
	ev.wait(t, Registered)
	reqs := srv.requests()
	contact := reqs[len(reqs)-1].Contact()
	if contact == nil {
		t.Fatal("REGISTER without Contact")
	}
	return srv, contact.Address
}

// send sends a request of method to uri from srv's socket and returns the
// final response.
func (s *testServer) send(t *testing.T, method sip.RequestMethod, uri sip.Uri) *sip.Response {
	t.Helper()
	client, err := sipgo.NewClient(s.ua, sipgo.WithClientLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := sip.NewRequest(method, uri)
	req.SetTransport("UDP")
	res, err := client.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, uri.String(), err)
	}
	return res
}

func TestAgentAnswersRequestsToItsContact(t *testing.T) {
	srv, contact := registeredContact(t, Config{})
	bob := contact
	bob.User = "bob"
	for _, tc := range []struct {
		method sip.RequestMethod
		uri    sip.Uri
		code   int
		allow  bool
	}{
		{sip.OPTIONS, contact, 200, true},
		{sip.INVITE, contact, 480, false},
		{sip.BYE, contact, 481, false},
		{sip.CANCEL, contact, 481, false},
		{sip.MESSAGE, contact, 405, true},
		{"FOO", contact, 405, true},
		{sip.OPTIONS, bob, 404, false},
		{sip.INVITE, bob, 404, false},
	} {
		res := srv.send(t, tc.method, tc.uri)
		if res.StatusCode != tc.code {
			t.Errorf("%s to %s: %d %s, want %d", tc.method, tc.uri.User, res.StatusCode, res.Reason, tc.code)
		}
		if allow := res.GetHeader("Allow"); tc.allow && (allow == nil || allow.Value() != allowed) {
			t.Errorf("%s to %s: Allow %v, want %q", tc.method, tc.uri.User, allow, allowed)
		}
		if tc.method == sip.OPTIONS && tc.code == 200 {
			for _, h := range []string{"Accept", "Supported"} {
				if res.GetHeader(h) == nil {
					t.Errorf("200 to OPTIONS without %s (RFC 3261 §11.2):\n%s", h, res)
				}
			}
		}
	}
}

func TestHandlerTakesInvite(t *testing.T) {
	got := make(chan sip.RequestMethod, 10)
	handler := func(req *sip.Request, tx sip.ServerTransaction) {
		got <- req.Method
		_ = tx.Respond(sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	}
	srv, contact := registeredContact(t, Config{Handler: handler})
	if res := srv.send(t, sip.INVITE, contact); res.StatusCode != 486 {
		t.Errorf("INVITE: %d %s, want the handler's 486", res.StatusCode, res.Reason)
	}
	if res := srv.send(t, sip.OPTIONS, contact); res.StatusCode != 200 {
		t.Errorf("OPTIONS: %d %s, want the agent's 200", res.StatusCode, res.Reason)
	}
	if m := <-got; m != sip.INVITE {
		t.Errorf("handler got %s, want INVITE", m)
	}
	select {
	case m := <-got:
		if m != sip.ACK {
			t.Errorf("handler got %s after the INVITE, want nothing or the ACK of the 486", m)
		}
	default:
	}
}
