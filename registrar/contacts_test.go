package registrar

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// TestManyBindingsOverUDP registers 25 contacts for one AOR over UDP, one
// REGISTER each (issue 8 item 6): every REGISTER must be answered (the
// 200 OK of the 16th to 19th, listing every binding, passed sipgo's
// 1,300-byte UDP limit and was never sent), and a contact is bound only
// when its 200 OK was sent: up to MaxContacts, or as many as a 200 OK over
// UDP can list.
func TestManyBindingsOverUDP(t *testing.T) {
	tests := []struct {
		name        string
		maxContacts int
		wantOK      int
		wantReason  string // of the 403s
	}{
		{name: "default cap", wantOK: DefaultMaxContacts, wantReason: "Too Many Contacts"},
		{name: "cap above what UDP carries", maxContacts: 30, wantOK: 15, wantReason: "Too Many Contacts For UDP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := startTestRegistrar(t, Config{NoAuth: true, MaxContacts: tt.maxContacts})
			c := dialSIP(t, r, "udp")
			ok := 0
			for i := range 25 {
				contact := fmt.Sprintf("<sip:alice-%02d@127.0.0.1:%d;transport=udp>", i, 6000+i)
				g := reg{callID: fmt.Sprint("many-", i), contacts: []string{contact}, expires: "600"}
				if _, err := c.Write([]byte(c.fix(g.text()))); err != nil {
					t.Fatal(err)
				}
				res := c.readResponse(t) // fails the test when none comes in 5 s
				switch {
				case res.StatusCode == 200:
					ok++
				case res.StatusCode != 403 || res.Reason != tt.wantReason:
					t.Fatalf("REGISTER %d: %d %s, want 200 or 403 %s", i+1, res.StatusCode, res.Reason, tt.wantReason)
				}
			}
			if n := len(r.Bindings()); ok != tt.wantOK || n != ok {
				t.Errorf("%d REGISTERs got 200 and %d bindings are stored, want %d of each", ok, n, tt.wantOK)
			}
		})
	}
}

// TestMaxContacts checks the cap on one AOR's bindings: past it a
// REGISTER gets 403 and changes nothing; refreshes and removals go on.
func TestMaxContacts(t *testing.T) {
	r, _, _ := newTestRegistrar(t, Config{NoAuth: true, MaxContacts: 2})
	contact := func(i int) string { return fmt.Sprintf("<sip:alice@127.0.0.1:%d>", 6000+i) }
	steps := []struct {
		name string
		g    reg
		want int
	}{
		{name: "first", g: reg{callID: "a", contacts: []string{contact(1)}}, want: 200},
		{name: "second", g: reg{callID: "b", contacts: []string{contact(2)}}, want: 200},
		{name: "third", g: reg{callID: "c", contacts: []string{contact(3)}}, want: 403},
		{name: "two more in one", g: reg{callID: "d", cseq: 2, contacts: []string{contact(1), contact(4)}}, want: 403},
		{name: "refresh", g: reg{callID: "a", cseq: 2, contacts: []string{contact(1)}}, want: 200},
		{name: "query", g: reg{callID: "q", contacts: []string{}}, want: 200},
		{name: "removal", g: reg{callID: "b", cseq: 2, contacts: []string{contact(2)}, expires: "0"}, want: 200},
		{name: "third after a removal", g: reg{callID: "c", cseq: 2, contacts: []string{contact(3)}}, want: 200},
	}
	for _, st := range steps {
		res := r.respond(parseRequest(t, st.g.text()), testSource)
		if res.StatusCode != st.want {
			t.Fatalf("%s: %d %s, want %d", st.name, res.StatusCode, res.Reason, st.want)
		}
	}
	if got := bindingsOf(r, time.Time{}); len(got) != 2 {
		t.Errorf("bindings %v, want 2", got)
	}
}

// TestUDPResponseSize checks that no 200 OK over UDP passes sipgo's limit:
// a REGISTER whose 200 OK would is refused and stores nothing; bindings
// made over TCP past it are listed over TCP; over UDP a query of them is
// refused and a removal is answered without the listing.
func TestUDPResponseSize(t *testing.T) {
	r, _, _ := newTestRegistrar(t, Config{NoAuth: true, MaxContacts: 100})
	long := func(i int) string {
		return fmt.Sprintf("<sip:alice-%02d-%s@127.0.0.1:%d;transport=udp>", i, strings.Repeat("x", 40), 6000+i)
	}
	send := func(g reg, transport string) *sip.Response {
		req := parseRequest(t, g.text())
		req.SetTransport(transport)
		return r.respond(req, strings.ToLower(transport)+":127.0.0.1:5062")
	}
	var ok int
	for i := range 20 {
		res := send(reg{callID: fmt.Sprint("u", i), contacts: []string{long(i)}}, "UDP")
		if n := len(res.String()); n > sip.UDPMTUSize-200 {
			t.Fatalf("REGISTER %d: a %d-byte response over UDP, over %d", i, n, sip.UDPMTUSize-200)
		}
		if res.StatusCode == 200 {
			ok++
			continue
		}
		if res.StatusCode != 403 || res.Reason != "Too Many Contacts For UDP" {
			t.Fatalf("REGISTER %d: %d %s, want 403 Too Many Contacts For UDP", i, res.StatusCode, res.Reason)
		}
	}
	if ok == 0 || ok == 20 || len(r.Bindings()) != ok {
		t.Fatalf("%d 200s and %d bindings; want some refused and one binding per 200", ok, len(r.Bindings()))
	}
	if res := send(reg{callID: "t", contacts: []string{long(30), long(31)}}, "TCP"); res.StatusCode != 200 || len(contactsOf(res)) != ok+2 {
		t.Fatalf("over TCP: %d with %d contacts, want 200 with %d", res.StatusCode, len(contactsOf(res)), ok+2)
	}
	if res := send(reg{callID: "q", contacts: []string{}}, "UDP"); res.StatusCode != 403 {
		t.Errorf("query over UDP: %d %s, want 403", res.StatusCode, res.Reason)
	}
	res := send(reg{callID: "t", cseq: 2, contacts: []string{long(30)}, expires: "0"}, "UDP")
	if res.StatusCode != 200 || len(contactsOf(res)) != 0 || len(r.Bindings()) != ok+1 {
		t.Errorf("removal over UDP: %d with %d contacts, %d bindings; want 200 without the listing, %d bindings",
			res.StatusCode, len(contactsOf(res)), len(r.Bindings()), ok+1)
	}
}
