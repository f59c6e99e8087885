package registrar

import (
	"slices"
	"testing"
	"time"
)

// bindingsOf returns "contact expires-in-seconds" for each binding.
func bindingsOf(r *Registrar, now time.Time) []string {
	var out []string
	for _, b := range r.Bindings() {
		out = append(out, b.AOR+" "+b.Contact+" "+b.Expires.Sub(now).String())
	}
	return out
}

func TestBindingLifecycle(t *testing.T) {
	r, clock, log := newTestRegistrar(t, Config{NoAuth: true})
	a, b := "<sip:alice@127.0.0.1:5062>", "<sip:alice@127.0.0.1:5064>"
	steps := []struct {
		name         string
		advance      time.Duration
		g            reg
		want         int
		wantContacts []string
		wantBindings []string
	}{
		{name: "bind two", g: reg{cseq: 1, contacts: []string{a + ";expires=120", b + ";expires=600"}}, want: 200,
			wantContacts: []string{a + ";expires=120", b + ";expires=600"},
			wantBindings: []string{"sip:alice@example.org sip:alice@127.0.0.1:5062 2m0s", "sip:alice@example.org sip:alice@127.0.0.1:5064 10m0s"}},
		{name: "query lists what is left", advance: 60 * time.Second, g: reg{cseq: 2, contacts: []string{}}, want: 200,
			wantContacts: []string{a + ";expires=60", b + ";expires=540"},
			wantBindings: []string{"sip:alice@example.org sip:alice@127.0.0.1:5062 1m0s", "sip:alice@example.org sip:alice@127.0.0.1:5064 9m0s"}},
		{name: "first expires", advance: 60 * time.Second, g: reg{cseq: 3, contacts: []string{}}, want: 200,
			wantContacts: []string{b + ";expires=480"},
			wantBindings: []string{"sip:alice@example.org sip:alice@127.0.0.1:5064 8m0s"}},
		{name: "refresh from another Call-ID", g: reg{callID: "call-2", cseq: 1, contacts: []string{b}, expires: "300"}, want: 200,
			wantContacts: []string{b + ";expires=300"},
			wantBindings: []string{"sip:alice@example.org sip:alice@127.0.0.1:5064 5m0s"}},
		{name: "bind again", g: reg{callID: "call-2", cseq: 2, contacts: []string{a}, expires: "300"}, want: 200,
			wantContacts: []string{a + ";expires=300", b + ";expires=300"},
			wantBindings: []string{"sip:alice@example.org sip:alice@127.0.0.1:5062 5m0s", "sip:alice@example.org sip:alice@127.0.0.1:5064 5m0s"}},
		{name: "remove one with expires=0", g: reg{callID: "call-2", cseq: 3, contacts: []string{a + ";expires=0"}}, want: 200,
			wantContacts: []string{b + ";expires=300"},
			wantBindings: []string{"sip:alice@example.org sip:alice@127.0.0.1:5064 5m0s"}},
		{name: "wildcard removes all", g: reg{callID: "call-2", cseq: 4, contacts: []string{"*"}, expires: "0"}, want: 200},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		res := r.respond(parseRequest(t, s.g.text()), testSource)
		if res.StatusCode != s.want {
			t.Fatalf("%s: status %d %s, want %d", s.name, res.StatusCode, res.Reason, s.want)
		}
		if got := contactsOf(res); !slices.Equal(got, s.wantContacts) {
			t.Errorf("%s: contacts %q, want %q", s.name, got, s.wantContacts)
		}
		if got := bindingsOf(r, clock.Now()); !slices.Equal(got, s.wantBindings) {
			t.Errorf("%s: bindings %q, want %q", s.name, got, s.wantBindings)
		}
	}
	var changes []string
	for _, e := range log.events {
		if e.Kind == EventRegistered || e.Kind == EventUnregistered || e.Kind == EventExpired {
			changes = append(changes, e.Kind.String()+" "+e.Contact)
		}
	}
	want := []string{
		"registered sip:alice@127.0.0.1:5062", "registered sip:alice@127.0.0.1:5064",
		"expired sip:alice@127.0.0.1:5062",
		"registered sip:alice@127.0.0.1:5064",
		"registered sip:alice@127.0.0.1:5062",
		"unregistered sip:alice@127.0.0.1:5062",
		"unregistered sip:alice@127.0.0.1:5064",
	}
	if !slices.Equal(changes, want) {
		t.Errorf("binding events:\n got %q\nwant %q", changes, want)
	}
}

// TestCSeqOrdering checks RFC 3261 §10.3 step 7: with the same Call-ID, only
// a higher CSeq may change a binding; a new Call-ID may, whatever its CSeq.
func TestCSeqOrdering(t *testing.T) {
	tests := []struct {
		name        string
		callID      string
		cseq        int
		wildcard    bool
		want        int
		wantExpires string
	}{
		{name: "higher CSeq", callID: "call-1", cseq: 11, want: 200, wantExpires: "1m0s"},
		{name: "same CSeq", callID: "call-1", cseq: 10, want: 500, wantExpires: "5m0s"},
		{name: "lower CSeq", callID: "call-1", cseq: 9, want: 500, wantExpires: "5m0s"},
		{name: "new Call-ID, lower CSeq", callID: "call-2", cseq: 1, want: 200, wantExpires: "1m0s"},
		{name: "wildcard, lower CSeq", callID: "call-1", cseq: 9, wildcard: true, want: 500, wantExpires: "5m0s"},
		{name: "wildcard, new Call-ID", callID: "call-2", cseq: 1, wildcard: true, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, clock, _ := newTestRegistrar(t, Config{NoAuth: true})
			if res := r.respond(parseRequest(t, reg{cseq: 10, expires: "300"}.text()), testSource); res.StatusCode != 200 {
				t.Fatalf("setup: status %d", res.StatusCode)
			}
			g := reg{callID: tt.callID, cseq: tt.cseq, expires: "60"}
			if tt.wildcard {
				g.contacts, g.expires = []string{"*"}, "0"
			}
			res := r.respond(parseRequest(t, g.text()), testSource)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d %s, want %d", res.StatusCode, res.Reason, tt.want)
			}
			var got string
			if bs := r.Bindings(); len(bs) == 1 {
				got = bs[0].Expires.Sub(clock.Now()).String()
			}
			if got != tt.wantExpires {
				t.Errorf("binding expires in %q, want %q", got, tt.wantExpires)
			}
		})
	}
}

func TestContactKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{a: "sip:alice@HOST.example:5060", b: "SIP:alice@host.example:5060", same: true},
		{a: "sip:alice@host:5060;transport=TCP", b: "sip:alice@host:5060;transport=tcp", same: true},
		{a: "sip:alice@host:5060;ob", b: "sip:alice@host:5060", same: true},
		{a: "sip:alice@host:5060", b: "sip:ALICE@host:5060", same: false},
		{a: "sip:alice@host", b: "sip:alice@host:5060", same: false},
		{a: "sip:alice@host;transport=udp", b: "sip:alice@host;transport=tcp", same: false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			r, _, _ := newTestRegistrar(t, Config{NoAuth: true})
			r.respond(parseRequest(t, reg{cseq: 1, contacts: []string{"<" + tt.a + ">"}}.text()), testSource)
			r.respond(parseRequest(t, reg{cseq: 2, contacts: []string{"<" + tt.b + ">"}}.text()), testSource)
			if same := len(r.Bindings()) == 1; same != tt.same {
				t.Errorf("same binding %v, want %v: %v", same, tt.same, r.Bindings())
			}
		})
	}
}
