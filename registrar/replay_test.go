package registrar

import (
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authorization returns an Authorization header line answering the first
// challenge of res as user with password and nonce count nc; nc 0 answers
// without qop, as an RFC 2069 client would.
func authorization(t testing.TB, res *sip.Response, user, password string, nc int) string {
	t.Helper()
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	if nc == 0 {
		chal.QOP = nil
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:example.org", Username: user, Password: password, Cnonce: "c0ffee", Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: " + cred.String()
}

// from parses g's request as if it came from source (host:port).
func from(t testing.TB, g reg, source string) *sip.Request {
	t.Helper()
	req := parseRequest(t, g.text())
	req.SetSource(source)
	return req
}

// isStale reports whether res is a 401 whose challenge says stale=true.
func isStale(res *sip.Response) bool {
	h := res.GetHeader("WWW-Authenticate")
	return res.StatusCode == 401 && h != nil && strings.Contains(h.Value(), "stale=true")
}

// TestDigestReplay replays a captured Authorization (issue 8 item 2): the
// exact request again, from another host, with a new Call-ID and the
// attacker's Contact, and with Contact: * to remove every binding. Each is
// refused; the client's own refresh with nc+1 is accepted.
func TestDigestReplay(t *testing.T) {
	const client, attacker = "127.0.0.1:5062", "127.0.0.66:5062"
	legit := reg{callID: "call-1", cseq: 2}
	tests := []struct {
		name      string
		g         reg
		source    string
		nc        int
		want      int
		wantStale bool
	}{
		{name: "exact replay", g: legit, source: client, nc: 1, want: 401, wantStale: true},
		{name: "exact replay from another host", g: legit, source: attacker, nc: 1, want: 401},
		{name: "new Call-ID, attacker's Contact", g: reg{callID: "evil-1", contacts: []string{"<sip:mallory@127.0.0.66:5062>"}}, source: client, nc: 1, want: 401, wantStale: true},
		{name: "new Call-ID from another host", g: reg{callID: "evil-2", contacts: []string{"<sip:mallory@127.0.0.66:5062>"}}, source: attacker, nc: 1, want: 401},
		{name: "Contact: * removes all", g: reg{callID: "evil-3", contacts: []string{"*"}, expires: "0"}, source: client, nc: 1, want: 401, wantStale: true},
		{name: "Contact: * from another host", g: reg{callID: "evil-4", contacts: []string{"*"}, expires: "0"}, source: attacker, nc: 1, want: 401},
		{name: "refresh with nc+1", g: reg{callID: "call-1", cseq: 3}, source: client, nc: 2, want: 200},
		{name: "refresh from a new port (NAT)", g: reg{callID: "call-1", cseq: 3}, source: "127.0.0.1:6000", nc: 2, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _ := newTestRegistrar(t, Config{})
			chal := r.respond(from(t, reg{}, client), testSource)
			auth := authorization(t, chal, "alice", "secret", 1)
			first := legit
			first.extra = []string{auth}
			if res := r.respond(from(t, first, client), testSource); res.StatusCode != 200 {
				t.Fatalf("first REGISTER: %d %s, want 200", res.StatusCode, res.Reason)
			}
			g := tt.g
			g.extra = []string{authorization(t, chal, "alice", "secret", tt.nc)}
			res := r.respond(from(t, g, tt.source), testSource)
			if res.StatusCode != tt.want || isStale(res) != tt.wantStale {
				t.Fatalf("got %d %s stale %v, want %d stale %v", res.StatusCode, res.Reason, isStale(res), tt.want, tt.wantStale)
			}
			if bs := r.Bindings(); len(bs) != 1 || bs[0].Contact != "sip:alice@127.0.0.1:5062" {
				t.Errorf("bindings %v, want alice's one", bs)
			}
		})
	}
}

// TestNonceCount checks the nonce count rules (RFC 7616 §3.4): a count
// lower than one seen is refused as stale, a higher one (gaps allowed) is
// accepted; without qop a nonce serves once.
func TestNonceCount(t *testing.T) {
	tests := []struct {
		name  string
		ncs   []int // nonce counts of successive REGISTERs on one nonce; 0: no qop
		wants []int
	}{
		{name: "increasing", ncs: []int{1, 2, 3}, wants: []int{200, 200, 200}},
		{name: "gap", ncs: []int{1, 5, 6}, wants: []int{200, 200, 200}},
		{name: "lower", ncs: []int{1, 3, 2}, wants: []int{200, 200, 401}},
		{name: "repeated", ncs: []int{4, 4}, wants: []int{200, 401}},
		{name: "no qop once", ncs: []int{0, 0}, wants: []int{200, 401}},
		{name: "no qop after qop", ncs: []int{1, 0}, wants: []int{200, 401}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _ := newTestRegistrar(t, Config{Algorithms: []string{"MD5"}})
			chal := r.respond(parseRequest(t, reg{}.text()), testSource)
			for i, nc := range tt.ncs {
				g := reg{cseq: 2 + i, extra: []string{authorization(t, chal, "alice", "secret", nc)}}
				res := r.respond(parseRequest(t, g.text()), testSource)
				if res.StatusCode != tt.wants[i] {
					t.Fatalf("REGISTER %d (nc %d): %d %s, want %d", i, nc, res.StatusCode, res.Reason, tt.wants[i])
				}
				if res.StatusCode == 401 && !isStale(res) {
					t.Errorf("REGISTER %d: 401 without stale=true", i)
				}
			}
		})
	}
}

// TestNonceBoundToAOR checks that a nonce issued for alice's AOR does not
// serve bob's REGISTER, even with bob's right password.
func TestNonceBoundToAOR(t *testing.T) {
	r, _, _ := newTestRegistrar(t, Config{})
	chal := r.respond(parseRequest(t, reg{}.text()), testSource)
	g := reg{user: "bob", cseq: 2, extra: []string{authorization(t, chal, "bob", "hunter2", 1)}}
	res := r.respond(parseRequest(t, g.text()), testSource)
	if res.StatusCode != 401 || isStale(res) {
		t.Fatalf("got %d stale %v, want a new challenge (401, not stale)", res.StatusCode, isStale(res))
	}
	g.extra = []string{authorization(t, res, "bob", "hunter2", 1)}
	if res := r.respond(parseRequest(t, g.text()), testSource); res.StatusCode != 200 {
		t.Fatalf("with bob's own nonce: %d %s, want 200", res.StatusCode, res.Reason)
	}
}

// TestNonceStateBounded checks that nonce state is kept only for nonces
// used with a right digest, at most MaxNonces of them, and that a nonce
// whose state was dropped is refused as stale, never accepted again.
func TestNonceStateBounded(t *testing.T) {
	r, clock, _ := newTestRegistrar(t, Config{MaxNonces: 4})
	for i := range 1000 {
		if res := r.respond(parseRequest(t, reg{callID: "flood", cseq: i + 1}.text()), testSource); res.StatusCode != 401 {
			t.Fatalf("unauthenticated REGISTER: %d, want 401", res.StatusCode)
		}
	}
	if n := r.auth.counts.len(); n != 0 {
		t.Fatalf("%d nonces held after 1,000 challenges, want 0", n)
	}
	var chals []*sip.Response
	for i := range 10 {
		clock.Advance(time.Millisecond) // nonces issued at distinct times, as time.Now gives them
		chal := r.respond(parseRequest(t, reg{callID: "c", cseq: 100 + 2*i}.text()), testSource)
		g := reg{callID: "c", cseq: 101 + 2*i, extra: []string{authorization(t, chal, "alice", "secret", 1)}}
		if res := r.respond(parseRequest(t, g.text()), testSource); res.StatusCode != 200 {
			t.Fatalf("REGISTER %d: %d %s, want 200", i, res.StatusCode, res.Reason)
		}
		chals = append(chals, chal)
	}
	if n := r.auth.counts.len(); n != 4 {
		t.Errorf("%d nonces held, want the cap, 4", n)
	}
	g := reg{callID: "c", cseq: 200, extra: []string{authorization(t, chals[0], "alice", "secret", 1)}}
	if res := r.respond(parseRequest(t, g.text()), testSource); !isStale(res) {
		t.Errorf("replay of a forgotten nonce: %d stale %v, want 401 stale", res.StatusCode, isStale(res))
	}
	g = reg{callID: "c", cseq: 201, extra: []string{authorization(t, chals[9], "alice", "secret", 2)}}
	if res := r.respond(parseRequest(t, g.text()), testSource); res.StatusCode != 200 {
		t.Errorf("the newest nonce with nc 2: %d %s, want 200", res.StatusCode, res.Reason)
	}
}
