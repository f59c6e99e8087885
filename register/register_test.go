package register

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/siplocate/siplocate/locate"
)

func TestDigest(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		algorithm string
	}{
		{name: "401 MD5", code: 401, algorithm: "MD5"},
		{name: "401 SHA-256", code: 401, algorithm: "SHA-256"},
		{name: "407 MD5", code: 407, algorithm: "MD5"},
		{name: "407 SHA-256", code: 407, algorithm: "SHA-256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, digestAuth(tc.code, tc.algorithm))
			ev, _ := startAgent(t, []locate.Target{srv.target}, alice())
			got := ev.wait(t, Registered)
			if got.Expires != time.Hour {
				t.Errorf("granted %v, want 1h", got.Expires)
			}
			reqs := srv.requests()
			if len(reqs) != 2 {
				t.Fatalf("server got %d REGISTERs, want 2", len(reqs))
			}
			if reqs[0].CallID().Value() != reqs[1].CallID().Value() || reqs[1].CSeq().SeqNo != reqs[0].CSeq().SeqNo+1 {
				t.Errorf("Call-ID/CSeq: %s %d then %s %d", reqs[0].CallID().Value(), reqs[0].CSeq().SeqNo, reqs[1].CallID().Value(), reqs[1].CSeq().SeqNo)
			}
			if got := reqs[0].Recipient.String(); got != "sip:example.com" {
				t.Errorf("Request-URI %s, want sip:example.com", got)
			}
		})
	}
}

func TestWrongPasswordIsRejected(t *testing.T) {
	srv := newTestServer(t, digestAuth(401, "MD5"))
	acct := alice()
	acct.Password = "wrong"
	ev, stop := startAgent(t, []locate.Target{srv.target}, acct)
	if got := ev.wait(t, Rejected); got.Status != 403 {
		t.Errorf("rejected with %d, want 403", got.Status)
	}
	ev.wait(t, RoundFailed)
	if err := stop(); !errors.Is(err, ErrNeverRegistered) {
		t.Errorf("Run = %v, want ErrNeverRegistered", err)
	}
}

func TestIntervalTooBrief(t *testing.T) {
	srv := newTestServer(t, func(req *sip.Request) *sip.Response {
		if req.GetHeader("Expires").Value() != "7200" {
			return status(423, "Min-Expires: 7200")(req)
		}
		return ok(req)
	})
	ev, _ := startAgent(t, []locate.Target{srv.target}, alice())
	if got := ev.wait(t, Registered); got.Expires != 2*time.Hour {
		t.Errorf("granted %v, want 2h", got.Expires)
	}
}

func TestRefreshAndUnregister(t *testing.T) {
	srv := newTestServer(t, ok)
	acct := alice()
	acct.Expires = time.Second // refreshed at 900 ms
	ev, stop := startAgent(t, []locate.Target{srv.target}, acct)
	ev.wait(t, Registered)
	ev.wait(t, Registered)
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	ev.wait(t, Unregistered)
	reqs := srv.requests()
	if len(reqs) < 3 {
		t.Fatalf("server got %d REGISTERs, want at least 3", len(reqs))
	}
	for i, r := range reqs[1:] {
		if r.CallID().Value() != reqs[0].CallID().Value() || r.CSeq().SeqNo <= reqs[i].CSeq().SeqNo {
			t.Errorf("REGISTER %d: Call-ID %s CSeq %d after %s %d", i+1, r.CallID().Value(), r.CSeq().SeqNo, reqs[i].CallID().Value(), reqs[i].CSeq().SeqNo)
		}
	}
	if got := reqs[len(reqs)-1].GetHeader("Expires").Value(); got != "0" {
		t.Errorf("last REGISTER has Expires %s, want 0", got)
	}
}

// closedUDPTarget returns a UDP target on a loopback port nobody listens
// on, so the kernel answers with ICMP port unreachable.
func closedUDPTarget(t *testing.T) locate.Target {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	_ = c.Close()
	return locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(port)}
}

func TestICMPUnreachableMovesOnAtOnce(t *testing.T) {
	dead := closedUDPTarget(t)
	srv := newTestServer(t, ok)
	acct := alice()
	acct.AttemptTimeout = time.Minute // a timeout would fail the test's 10 s wait
	ev, _ := startAgent(t, []locate.Target{dead, srv.target}, acct)
	if got := ev.wait(t, AttemptFailed); got.Outcome != "transport-error" {
		t.Errorf("attempt to the closed port: %s (%v), want transport-error", got.Outcome, got.Err)
	}
	if got := ev.wait(t, Registered); got.Target.Port != srv.target.Port {
		t.Errorf("registered with %s, want %s", targetName(got.Target), targetName(srv.target))
	}
}

func TestTCPRefusedMovesOnAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := locate.Target{Transport: locate.TCP, Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(l.Addr().(*net.TCPAddr).Port)}
	_ = l.Close()
	srv := newTestServer(t, ok)
	acct := alice()
	acct.AttemptTimeout = time.Minute
	ev, _ := startAgent(t, []locate.Target{dead, srv.target}, acct)
	if got := ev.wait(t, AttemptFailed); got.Outcome != "transport-error" {
		t.Errorf("attempt to the closed TCP port: %s (%v), want transport-error", got.Outcome, got.Err)
	}
	ev.wait(t, Registered)
}

func TestUnavailableWithRetryAfter(t *testing.T) {
	busy := newTestServer(t, status(503, "Retry-After: 3600"))
	srv := newTestServer(t, ok)
	acct := alice()
	acct.Expires = time.Second
	ev, _ := startAgent(t, []locate.Target{busy.target, srv.target}, acct)
	if got := ev.wait(t, AttemptFailed); got.Outcome != "unavailable" || got.Status != 503 {
		t.Errorf("attempt to the busy server: %s %d, want unavailable 503", got.Outcome, got.Status)
	}
	ev.wait(t, Registered)
	ev.wait(t, Registered) // the refresh
	if n := len(busy.requests()); n != 1 {
		t.Errorf("busy server got %d REGISTERs, want 1 (Retry-After)", n)
	}
}

func TestFailoverAndFailbackAtRefresh(t *testing.T) {
	primary := newTestServer(t, ok)
	backup := newTestServer(t, ok)
	acct := alice()
	acct.Expires = time.Second
	acct.MaxTries = 2
	acct.AttemptTimeout = 200 * time.Millisecond
	ev, _ := startAgent(t, []locate.Target{primary.target, backup.target}, acct)
	if got := ev.wait(t, Registered); got.Target.Port != primary.target.Port {
		t.Fatalf("first registration with %s, want the primary", targetName(got.Target))
	}
	primary.silent.Store(true)
	if got := ev.wait(t, FailedOver); got.From.Port != primary.target.Port || got.Target.Port != backup.target.Port {
		t.Errorf("failed over from %s to %s", targetName(got.From), targetName(got.Target))
	}
	primary.silent.Store(false)
	if got := ev.wait(t, FailedBack); got.Target.Port != primary.target.Port {
		t.Errorf("failed back to %s, want the primary", targetName(got.Target))
	}
	if got := ev.wait(t, Unregistered); got.Target.Port != backup.target.Port {
		t.Errorf("unregistered from %s after failback, want the backup", targetName(got.Target))
	}
}

func TestProbeFailoverAndFailback(t *testing.T) {
	primary := newTestServer(t, ok)
	backup := newTestServer(t, ok)
	acct := alice() // an hour's registration: only probes can move it
	acct.Probe = 100 * time.Millisecond
	ev, _ := startAgent(t, []locate.Target{primary.target, backup.target}, acct)
	ev.wait(t, Registered)
	primary.silent.Store(true)
	if got := ev.wait(t, ProbeFailed); got.Target.Port != primary.target.Port {
		t.Errorf("probe failed for %s, want the primary", targetName(got.Target))
	}
	if got := ev.wait(t, FailedOver); got.Target.Port != backup.target.Port {
		t.Errorf("failed over to %s, want the backup", targetName(got.Target))
	}
	primary.silent.Store(false)
	ev.wait(t, ProbeAnswered)
	if got := ev.wait(t, FailedBack); got.Target.Port != primary.target.Port {
		t.Errorf("failed back to %s, want the primary", targetName(got.Target))
	}
}

func TestBadAccountIsRefusedOthersGoOn(t *testing.T) {
	srv := newTestServer(t, ok)
	bad := alice()
	bad.Name, bad.Server = "bad", "exa mple.com"
	ev, _ := startAgent(t, []locate.Target{srv.target}, bad, alice())
	got := ev.wait(t, Refused)
	var ce *ConfigError
	if !errors.As(got.Err, &ce) || ce.Key != "server" || got.Account != "bad" {
		t.Errorf("refused %q with %v, want a server ConfigError for bad", got.Account, got.Err)
	}
	if got := ev.wait(t, Registered); got.Account != "sip:alice@example.com" {
		t.Errorf("registered %q", got.Account)
	}
}

func TestRegisterOverIPv6(t *testing.T) {
	srv := newTestServerAt(t, "[::1]:0", ok)
	ev, _ := startAgent(t, []locate.Target{srv.target}, alice())
	ev.wait(t, Registered)
	if contact := srv.requests()[0].Contact().Address.String(); !strings.HasPrefix(contact, "sip:alice@[::1]:") {
		t.Errorf("Contact %q, want sip:alice@[::1]:port", contact)
	}
}

// TestNonceCountAfter423 checks that a REGISTER sent again after a 423 on
// the nonce already used counts up (RFC 7616 §3.4): the same nonce with
// the same nc is a replay, refused as stale by a registrar that tracks it.
func TestNonceCountAfter423(t *testing.T) {
	auth := digestAuth(401, "MD5")
	srv := newTestServer(t, func(req *sip.Request) *sip.Response {
		if h := req.GetHeader("Authorization"); h != nil && req.GetHeader("Expires").Value() != "7200" {
			return status(423, "Min-Expires: 7200")(req)
		}
		return auth(req)
	})
	ev, _ := startAgent(t, []locate.Target{srv.target}, alice())
	if got := ev.wait(t, Registered); got.Expires != 2*time.Hour {
		t.Fatalf("granted %v, want 2h", got.Expires)
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("server got %d REGISTERs, want 3 (challenged, 423, registered)", len(reqs))
	}
	var ncs []int
	for _, r := range reqs[1:] {
		cred, err := digest.ParseCredentials(r.GetHeader("Authorization").Value())
		if err != nil {
			t.Fatal(err)
		}
		ncs = append(ncs, cred.Nc)
	}
	if ncs[0] >= ncs[1] {
		t.Errorf("nonce counts %v, want them to grow on the same nonce", ncs)
	}
}
