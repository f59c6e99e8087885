package registrar

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

func TestRegisterDigest(t *testing.T) {
	tests := []struct {
		name       string
		algorithms []string
		wantAlgs   []string
	}{
		{name: "default MD5 then SHA-256", wantAlgs: []string{"MD5", "SHA-256"}},
		{name: "SHA-256 first", algorithms: []string{"SHA-256", "MD5"}, wantAlgs: []string{"SHA-256", "MD5"}},
		{name: "MD5 only", algorithms: []string{"MD5"}, wantAlgs: []string{"MD5"}},
		{name: "SHA-256 only", algorithms: []string{"SHA-256"}, wantAlgs: []string{"SHA-256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, log := newTestRegistrar(t, Config{Algorithms: tt.algorithms})
			res := r.respond(parseRequest(t, reg{}.text()), testSource)
			if res.StatusCode != 401 {
				t.Fatalf("status %d, want 401", res.StatusCode)
			}
			var algs []string
			for _, h := range res.GetHeaders("WWW-Authenticate") {
				c, err := digest.ParseChallenge(h.Value())
				if err != nil {
					t.Fatalf("parse %q: %v", h.Value(), err)
				}
				if c.Realm != "lab" || !c.SupportsQOP("auth") || c.Stale {
					t.Errorf("challenge %q: want realm lab, qop auth, not stale", h.Value())
				}
				algs = append(algs, c.Algorithm)
			}
			if !slices.Equal(algs, tt.wantAlgs) {
				t.Errorf("algorithms %v, want %v", algs, tt.wantAlgs)
			}
			res = r.respond(withAuth(t, reg{cseq: 2}, res, "secret"), testSource)
			if res.StatusCode != 200 {
				t.Fatalf("status %d %s, want 200", res.StatusCode, res.Reason)
			}
			if got, want := contactsOf(res), []string{"<sip:alice@127.0.0.1:5062>;expires=3600"}; !slices.Equal(got, want) {
				t.Errorf("contacts %q, want %q", got, want)
			}
			if d := res.GetHeader("Date"); d == nil || d.Value() != "Wed, 25 Nov 2026 10:00:00 GMT" {
				t.Errorf("Date %v, want Wed, 25 Nov 2026 10:00:00 GMT", d)
			}
			want := []string{"received", "answered", "received", "registered", "answered"}
			if got := log.kinds(); !slices.Equal(got, want) {
				t.Errorf("events %v, want %v", got, want)
			}
		})
	}
}

// authAs returns g's request with credentials for user/password answering
// the first challenge of res, with digest-uri uri.
func authAs(t *testing.T, g reg, res *sip.Response, user, password, uri string) *sip.Request {
	t.Helper()
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: uri, Username: user, Password: password, Cnonce: "abc", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	g.extra = append(g.extra, "Authorization: "+cred.String())
	return parseRequest(t, g.text())
}

func TestRegisterAuthFailures(t *testing.T) {
	tests := []struct {
		name      string
		user      string // credentials' user
		password  string
		uri       string
		advance   time.Duration // between challenge and answer
		rawAuth   string        // Authorization header used instead
		want      int
		wantStale bool
	}{
		{name: "wrong password", user: "alice", password: "nope", uri: "sip:example.org", want: 403},
		{name: "unknown user", user: "mallory", password: "secret", uri: "sip:example.org", want: 403},
		{name: "another user's AOR", user: "bob", password: "hunter2", uri: "sip:example.org", want: 403},
		{name: "stale nonce, right digest", user: "alice", password: "secret", uri: "sip:example.org", advance: 6 * time.Minute, want: 401, wantStale: true},
		{name: "stale nonce, wrong digest", user: "alice", password: "nope", uri: "sip:example.org", advance: 6 * time.Minute, want: 403},
		{name: "digest-uri not the Request-URI", user: "alice", password: "secret", uri: "sip:other.example", want: 400},
		{name: "forged nonce", rawAuth: `Digest username="alice", realm="lab", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", uri="sip:example.org", response="00"`, want: 401},
		{name: "other realm", rawAuth: `Digest username="alice", realm="elsewhere", nonce="x", uri="sip:example.org", response="00"`, want: 401},
		{name: "not digest", rawAuth: `Basic YWxpY2U6c2VjcmV0`, want: 400},
		{name: "qop auth without cnonce", rawAuth: "", want: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, clock, _ := newTestRegistrar(t, Config{})
			res := r.respond(parseRequest(t, reg{}.text()), testSource)
			clock.Advance(tt.advance)
			g := reg{cseq: 2}
			var req *sip.Request
			switch {
			case tt.name == "qop auth without cnonce":
				chal, _ := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
				g.extra = []string{`Authorization: Digest username="alice", realm="lab", nonce="` + chal.Nonce + `", uri="sip:example.org", qop=auth, algorithm=SHA-256, response="00"`}
				req = parseRequest(t, g.text())
			case tt.rawAuth != "":
				g.extra = []string{"Authorization: " + tt.rawAuth}
				req = parseRequest(t, g.text())
			default:
				req = authAs(t, g, res, tt.user, tt.password, tt.uri)
			}
			res = r.respond(req, testSource)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d %s, want %d", res.StatusCode, res.Reason, tt.want)
			}
			stale := res.StatusCode == 401 && strings.Contains(res.GetHeader("WWW-Authenticate").Value(), "stale=true")
			if stale != tt.wantStale {
				t.Errorf("stale %v, want %v", stale, tt.wantStale)
			}
			if len(r.Bindings()) != 0 {
				t.Errorf("bindings %v, want none", r.Bindings())
			}
		})
	}
}

func TestRegisterExpiries(t *testing.T) {
	tests := []struct {
		name         string
		g            reg
		want         int
		wantContacts []string
		wantHeader   string // "Name: value" the response must carry
	}{
		{name: "default expiry", g: reg{}, want: 200, wantContacts: []string{"<sip:alice@127.0.0.1:5062>;expires=3600"}},
		{name: "Expires header", g: reg{expires: "120"}, want: 200, wantContacts: []string{"<sip:alice@127.0.0.1:5062>;expires=120"}},
		{name: "contact param wins", g: reg{expires: "120", contacts: []string{"<sip:alice@127.0.0.1:5062>;expires=300"}}, want: 200, wantContacts: []string{"<sip:alice@127.0.0.1:5062>;expires=300"}},
		{name: "capped at max", g: reg{expires: "99999999999"}, want: 200, wantContacts: []string{"<sip:alice@127.0.0.1:5062>;expires=7200"}},
		{name: "too brief header", g: reg{expires: "30"}, want: 423, wantHeader: "Min-Expires: 60"},
		{name: "too brief param", g: reg{contacts: []string{"<sip:alice@127.0.0.1:5062>;expires=1"}}, want: 423, wantHeader: "Min-Expires: 60"},
		{name: "zero for unbound contact", g: reg{expires: "0"}, want: 200},
		{name: "bad Expires", g: reg{expires: "soon"}, want: 400},
		{name: "negative Expires", g: reg{expires: "-5"}, want: 400},
		{name: "wildcard needs Expires 0", g: reg{contacts: []string{"*"}, expires: "60"}, want: 400},
		{name: "wildcard alone", g: reg{contacts: []string{"*", "<sip:alice@127.0.0.1:5062>"}, expires: "0"}, want: 400},
		{name: "two contacts", g: reg{contacts: []string{"<sip:alice@127.0.0.1:5062>", "<sip:alice@127.0.0.1:5064>;expires=100"}}, want: 200,
			wantContacts: []string{"<sip:alice@127.0.0.1:5062>;expires=3600", "<sip:alice@127.0.0.1:5064>;expires=100"}},
		{name: "Require", g: reg{extra: []string{"Require: gruu"}}, want: 420, wantHeader: "Unsupported: gruu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _ := newTestRegistrar(t, Config{NoAuth: true})
			res := r.respond(parseRequest(t, tt.g.text()), testSource)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d %s, want %d", res.StatusCode, res.Reason, tt.want)
			}
			if got := contactsOf(res); !slices.Equal(got, tt.wantContacts) {
				t.Errorf("contacts %q, want %q", got, tt.wantContacts)
			}
			if tt.wantHeader != "" && !strings.Contains(res.String(), tt.wantHeader+"\r\n") {
				t.Errorf("response lacks %q:\n%s", tt.wantHeader, res)
			}
		})
	}
}

// TestChallengeBeforeIntervalCheck checks RFC 3261 §10.3's order: an
// unauthenticated REGISTER is challenged before its expiry is judged.
func TestChallengeBeforeIntervalCheck(t *testing.T) {
	r, _, _ := newTestRegistrar(t, Config{MinExpires: 10 * time.Second})
	g := reg{expires: "5"}
	res := r.respond(parseRequest(t, g.text()), testSource)
	if res.StatusCode != 401 {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
	chal := res
	g.cseq = 2
	res = r.respond(withAuth(t, g, chal, "secret"), testSource)
	if res.StatusCode != 423 || res.GetHeader("Min-Expires").Value() != "10" {
		t.Fatalf("got %d Min-Expires %v, want 423 with 10", res.StatusCode, res.GetHeader("Min-Expires"))
	}
	// The retry reuses the nonce, still fresh, with the next nonce count
	// (RFC 7616 §3.4): no new challenge needed. The same count again would
	// be a replay.
	g.cseq, g.expires = 3, "10"
	g.extra = []string{authorization(t, chal, "alice", "secret", 2)}
	if res = r.respond(parseRequest(t, g.text()), testSource); res.StatusCode != 200 {
		t.Fatalf("retry: status %d %s, want 200", res.StatusCode, res.Reason)
	}
}

// TestDigestWithoutQop checks that credentials in RFC 2069 style, without
// qop, cnonce and nc, are accepted (RFC 2617 §3.2.2 keeps them valid).
func TestDigestWithoutQop(t *testing.T) {
	r, _, _ := newTestRegistrar(t, Config{Algorithms: []string{"MD5"}})
	res := r.respond(parseRequest(t, reg{}.text()), testSource)
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	chal.QOP = nil
	for _, tt := range []struct {
		password string
		want     int
	}{{password: "secret", want: 200}, {password: "wrong", want: 403}} {
		cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:example.org", Username: "alice", Password: tt.password})
		if err != nil {
			t.Fatal(err)
		}
		g := reg{cseq: 2, extra: []string{"Authorization: " + cred.String()}}
		if res := r.respond(parseRequest(t, g.text()), testSource); res.StatusCode != tt.want {
			t.Errorf("password %q: status %d %s, want %d", tt.password, res.StatusCode, res.Reason, tt.want)
		}
	}
}
