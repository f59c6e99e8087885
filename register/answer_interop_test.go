package register

import (
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/kamailiotest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locate"
)

// TestInteropKamailioKeepalive has Kamailio's usrloc send OPTIONS to its
// registered contacts every second (ka_mode 1) and remove those that
// answered none for 3 s (ka_timeout): the agent's contact stays through
// several rounds; the same agent made deaf to requests loses it, which
// shows the test can fail.
func TestInteropKamailioKeepalive(t *testing.T) {
	for _, deaf := range []bool{false, true} {
		name := map[bool]string{false: "answering", true: "deaf"}[deaf]
		t.Run(name, func(t *testing.T) {
			testenv.RequireInterop(t)
			testenv.LookPath(t, "kamailio")
			testenv.LookPath(t, "kamcmd")
			k := kamailiotest.Start(t, kamailiotest.Config{Addr: labPrimary, Port: 5060, Users: labUsers, MinExpires: 5, Keepalive: 1, Transports: []string{"udp"}})
			target := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr(labPrimary), Port: 5060}
			ev := newEvents()
			a, err := New(Config{
				Accounts: []Account{{AOR: "sip:" + labAOR, Password: "secret", Server: labDomain, Expires: time.Minute, AttemptTimeout: 2 * time.Second}},
				Locator:  staticLocator{[]locate.Target{target}}, OnEvent: ev.add, Logger: testLogger(),
			})
			if err != nil {
				t.Fatal(err)
			}
			a.deaf.Store(deaf)
			t.Cleanup(runAgent(t, a))
			ev.wait(t, Registered)
			k.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))
			if deaf {
				k.WaitLocations(t, 30*time.Second, kamailiotest.NoAOR(labAOR))
				t.Logf("contact removed after %d unanswered keepalives", a.served.Load())
				return
			}
			// Five rounds: ka_timeout (3 s) would have removed a contact
			// that answered none of them.
			deadline := time.After(30 * time.Second)
			for a.served.Load() < 5 {
				select {
				case <-time.After(100 * time.Millisecond):
				case <-deadline:
					t.Fatalf("%d keepalives in 30 s, want 5", a.served.Load())
				}
			}
			k.WaitLocations(t, time.Second, kamailiotest.HasAOR(labAOR))
			t.Logf("contact kept through %d keepalives answered", a.served.Load())
		})
	}
}

// TestInteropKamailioBind: the Contact in Kamailio's location table has
// the address the account's sockets are bound to, over UDP and TCP, and
// the fixed port when one is given.
func TestInteropKamailioBind(t *testing.T) {
	testenv.RequireInterop(t)
	testenv.LookPath(t, "kamailio")
	testenv.LookPath(t, "kamcmd")
	k := kamailiotest.Start(t, kamailiotest.Config{Addr: labPrimary, Port: 5060, Users: labUsers, MinExpires: 5})
	for _, tc := range []struct {
		transport locate.Transport
		bind      string
	}{{locate.UDP, "127.0.14.10:5070"}, {locate.TCP, "127.0.14.11"}} {
		t.Run(string(tc.transport), func(t *testing.T) {
			target := locate.Target{Transport: tc.transport, Addr: netip.MustParseAddr(labPrimary), Port: 5060}
			ev := newEvents()
			a, err := New(Config{
				Accounts: []Account{{AOR: "sip:" + labAOR, Password: "secret", Server: labDomain, Expires: time.Minute, Bind: tc.bind, Transports: []locate.Transport{tc.transport}}},
				Locator:  staticLocator{[]locate.Target{target}}, OnEvent: ev.add, Logger: testLogger(),
			})
			if err != nil {
				t.Fatal(err)
			}
			stop := sync.OnceFunc(runAgent(t, a))
			defer stop()
			ev.wait(t, Registered)
			bs := k.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))
			want := "@" + tc.bind
			if !strings.Contains(tc.bind, ":") {
				want += ":"
			}
			for _, b := range bs {
				if !strings.Contains(b.Contact, want) {
					t.Errorf("Kamailio holds Contact %s, want one at %s", b.Contact, tc.bind)
				}
				if b.Received != "" {
					t.Errorf("Kamailio saw the REGISTER from %s, not from the Contact %s", b.Received, b.Contact)
				}
			}
			stop()
			k.WaitLocations(t, 5*time.Second, kamailiotest.NoAOR(labAOR))
		})
	}
}
