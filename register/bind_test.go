package register

import (
	"strconv"
	"strings"
	"testing"

	"github.com/siplocate/siplocate/locate"
)

// TestBindAndContactHost: Account.Bind sets the local address of the
// sockets, and so the Via and the Contact (a fixed port too);
// ContactHost replaces the Contact's host and port; the Via asks for
// rport (RFC 3581 §3).
func TestBindAndContactHost(t *testing.T) {
	for _, tc := range []struct {
		name, bind, contactHost string
		transport               locate.Transport
		wantVia, wantContact    string // host or host:port prefix
	}{
		{name: "udp ip", bind: "127.0.14.2", transport: locate.UDP, wantVia: "127.0.14.2:", wantContact: "127.0.14.2:"},
		{name: "udp ip:port", bind: "127.0.14.3:5099", transport: locate.UDP, wantVia: "127.0.14.3:5099", wantContact: "127.0.14.3:5099"},
		{name: "tcp ip:port", bind: "127.0.14.4:5099", transport: locate.TCP, wantVia: "127.0.14.4:5099", wantContact: "127.0.14.4:5099"},
		{name: "contact host", bind: "127.0.14.5", contactHost: "pbx.example.net:5080", transport: locate.UDP, wantVia: "127.0.14.5:", wantContact: "pbx.example.net:5080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var srv *testServer
			if tc.transport == locate.UDP {
				srv = newTestServerAt(t, "127.0.14.1:0", ok)
			} else {
				srv, _ = newStreamTestServer(t, ok, nil)
			}
			acct := alice()
			acct.Bind, acct.ContactHost = tc.bind, tc.contactHost
			ev := startWith(t, Config{}, []locate.Target{srv.target}, acct)
			ev.wait(t, Registered)
			req := srv.requests()[0]
			via := req.Via()
			if got := via.Host + ":" + itoa(via.Port); !strings.HasPrefix(got, tc.wantVia) {
				t.Errorf("Via sent-by %s, want %s", got, tc.wantVia)
			}
			if !via.Params.Has("rport") {
				t.Errorf("Via without rport: %s", via.Value())
			}
			c := req.Contact().Address
			if got := c.Host + ":" + itoa(c.Port); !strings.HasPrefix(got, tc.wantContact) {
				t.Errorf("Contact %s, want %s", c.String(), tc.wantContact)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
