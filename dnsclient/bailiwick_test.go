package dnsclient

import (
	"context"
	"testing"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/dnstest"
)

func TestZoneOf(t *testing.T) {
	tests := []struct {
		name  string
		ns    []string
		qname string
		want  string
	}{
		{name: "underscore labels stripped", qname: "_sip._udp.example.com.", want: "example.com."},
		{name: "plain name", qname: "sip.example.com.", want: "sip.example.com."},
		{name: "only underscore labels", qname: "_sip._udp.", want: "_sip._udp."},
		{name: "SOA ancestor does not widen", ns: []string{"example.com. 60 IN SOA ns. host. 1 1 1 1 1"},
			qname: "sip.example.com.", want: "sip.example.com."},
		{name: "NS ancestor does not widen", ns: []string{"com. 60 IN NS ns.example.com."},
			qname: "_sip._tcp.example.com.", want: "example.com."},
		{name: "NS at the domain", ns: []string{"example.com. 60 IN NS ns.example.com."},
			qname: "_sip._tcp.example.com.", want: "example.com."},
		{name: "SOA narrows", ns: []string{"_tcp.example.com. 60 IN SOA ns. host. 1 1 1 1 1"},
			qname: "_sip._tcp.example.com.", want: "_tcp.example.com."},
		{name: "SOA below the question ignored", ns: []string{"a._sip._tcp.example.com. 60 IN SOA ns. host. 1 1 1 1 1"},
			qname: "_sip._tcp.example.com.", want: "example.com."},
		{name: "case-insensitive", ns: []string{"EXAMPLE.com. 60 IN NS ns.example.com."},
			qname: "_sip._tcp.example.COM.", want: "EXAMPLE.com."},
		{name: "unrelated SOA ignored", ns: []string{"example.net. 60 IN SOA ns. host. 1 1 1 1 1"},
			qname: "_sip._udp.example.com.", want: "example.com."},
		{name: "root SOA ignored", ns: []string{". 60 IN SOA ns. host. 1 1 1 1 1"}, qname: "sip.example.com.",
			want: "sip.example.com."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := zoneOf(dnstest.RRs(tt.ns...), tt.qname); got != tt.want {
				t.Errorf("zoneOf(%q) = %q, want %q", tt.qname, got, tt.want)
			}
		})
	}
}

func TestExtras(t *testing.T) {
	srvRR := "_sip._udp.example.com. 300 IN SRV 10 60 5060 sip1.example.com."
	tests := []struct {
		name      string
		extra     []string
		lookup    string // name of an A lookup after the SRV lookup
		wantWire  int    // queries on the wire for that A lookup
		wantUsed  uint64
		wantIgnor uint64
	}{
		{name: "in bailiwick used", extra: []string{"sip1.example.com. 300 IN A 192.0.2.1"},
			lookup: "sip1.example.com.", wantUsed: 1},
		{name: "out of bailiwick ignored", extra: []string{"sip1.example.net. 300 IN A 198.51.100.66"},
			lookup: "sip1.example.net.", wantWire: 1, wantIgnor: 1},
		{name: "parent zone ignored", extra: []string{"com. 300 IN A 198.51.100.66"},
			lookup: "com.", wantWire: 1, wantIgnor: 1},
		{name: "unused type ignored", extra: []string{"sip1.example.com. 300 IN TXT \"x\""},
			lookup: "sip1.example.com.", wantWire: 1, wantIgnor: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
				var ans, extra []dns.RR
				if r.Question[0].Qtype == dns.TypeSRV {
					ans, extra = dnstest.RRs(srvRR), dnstest.RRs(tt.extra...)
				}
				w.WriteMsg(dnstest.Reply(r, dns.RcodeSuccess, ans, nil, extra)) //nolint:errcheck
			}))
			c := testClient(t, []string{srv.Addr}, newClock(), nil)
			a, err := c.Lookup(context.Background(), "_sip._udp.example.com.", dns.TypeSRV)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(len(a.Extra)) != tt.wantUsed {
				t.Errorf("Answer.Extra = %v, want %d records", rrStrings(a.Extra), tt.wantUsed)
			}
			b, err := c.Lookup(context.Background(), tt.lookup, dns.TypeA)
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Count() - 1; got != tt.wantWire || b.Cached != (tt.wantWire == 0) {
				t.Errorf("A lookup: %d queries on the wire, Cached=%v; want %d", got, b.Cached, tt.wantWire)
			}
			if s := c.Stats(); s.ExtraUsed != tt.wantUsed || s.ExtraIgnore != tt.wantIgnor {
				t.Errorf("ExtraUsed %d, ExtraIgnore %d; want %d, %d", s.ExtraUsed, s.ExtraIgnore, tt.wantUsed, tt.wantIgnor)
			}
		})
	}
}

func TestExtrasDoNotReplaceAnswers(t *testing.T) {
	srv := dnstest.NewServer(t, dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		var ans, extra []dns.RR
		switch r.Question[0].Qtype {
		case dns.TypeSRV:
			ans = dnstest.RRs("_sip._udp.example.com. 300 IN SRV 10 60 5060 sip1.example.com.")
			extra = dnstest.RRs("sip1.example.com. 300 IN A 192.0.2.99")
		case dns.TypeA:
			ans = dnstest.RRs("sip1.example.com. 300 IN A 192.0.2.1")
		}
		w.WriteMsg(dnstest.Reply(r, dns.RcodeSuccess, ans, nil, extra)) //nolint:errcheck
	}))
	c := testClient(t, []string{srv.Addr}, newClock(), nil)
	ctx := context.Background()
	if _, err := c.Lookup(ctx, "sip1.example.com.", dns.TypeA); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(ctx, "_sip._udp.example.com.", dns.TypeSRV); err != nil {
		t.Fatal(err)
	}
	a, err := c.Lookup(ctx, "sip1.example.com.", dns.TypeA)
	if err != nil || len(a.Records) != 1 || a.Records[0].(*dns.A).A.String() != "192.0.2.1" {
		t.Errorf("A after SRV extras = %v, %v; want the answer 192.0.2.1 kept", a, err)
	}
}

func TestGroupRRsetsDropsDuplicates(t *testing.T) {
	rrs := dnstest.RRs(
		"sip1.example.com. 300 IN A 192.0.2.1",
		"SIP1.example.com. 200 IN A 192.0.2.1", // the same record again, other case and TTL
		"sip1.example.com. 300 IN A 192.0.2.2",
		"sip1.example.com. 300 IN AAAA 2001:db8::1",
	)
	sets := groupRRsets(rrs)
	if got := len(sets[cacheKey{name: "sip1.example.com.", qtype: dns.TypeA}]); got != 2 {
		t.Errorf("A RRset has %d records, want 2 (duplicate dropped)", got)
	}
	if got := len(sets[cacheKey{name: "sip1.example.com.", qtype: dns.TypeAAAA}]); got != 1 {
		t.Errorf("AAAA RRset has %d records, want 1", got)
	}
}

// TestAuthorityDoesNotWidenBailiwick is issue 8 item 1: a responder on
// loopback (127.0.6.0/24, docs/loopback.md) that claims an ancestor of the
// question's domain in the authority section must not get its additional
// records for other names of that ancestor cached (RFC 2181 §5.4.1).
func TestAuthorityDoesNotWidenBailiwick(t *testing.T) {
	const planted, onWire = "6.6.6.6", "192.0.2.7"
	tests := []struct {
		name  string
		qname string
		qtype uint16
		ans   string
		ns    string
	}{
		{name: "ancestor NS for SRV", qname: "_sip._udp.lab.test.", qtype: dns.TypeSRV,
			ans: "_sip._udp.lab.test. 300 IN SRV 10 60 5060 sip.other.test.", ns: "test. 86400 IN NS ns.test."},
		{name: "ancestor SOA for SRV", qname: "_sip._udp.lab.test.", qtype: dns.TypeSRV,
			ans: "_sip._udp.lab.test. 300 IN SRV 10 60 5060 sip.other.test.", ns: "test. 86400 IN SOA ns.test. h.test. 1 1 1 1 1"},
		{name: "ancestor NS for A", qname: "sip.lab.test.", qtype: dns.TypeA,
			ans: "sip.lab.test. 300 IN A 192.0.2.1", ns: "test. 86400 IN NS ns.test."},
		{name: "root NS", qname: "_sip._udp.lab.test.", qtype: dns.TypeSRV,
			ans: "_sip._udp.lab.test. 300 IN SRV 10 60 5060 sip.other.test.", ns: ". 86400 IN NS a.root-servers.net."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dnstest.NewServerOn(t, "127.0.6.1", dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
				q := r.Question[0]
				var m *dns.Msg
				switch {
				case q.Qtype == tt.qtype && dns.CanonicalName(q.Name) == tt.qname:
					m = dnstest.Reply(r, dns.RcodeSuccess, dnstest.RRs(tt.ans), dnstest.RRs(tt.ns),
						dnstest.RRs("sip.other.test. 86400 IN A "+planted))
				default:
					m = dnstest.Reply(r, dns.RcodeSuccess, dnstest.RRs(q.Name+" 60 IN A "+onWire), nil, nil)
				}
				w.WriteMsg(m) //nolint:errcheck
			}))
			c := testClient(t, []string{srv.Addr}, newClock(), nil)
			ctx := context.Background()
			a, err := c.Lookup(ctx, tt.qname, tt.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Extra) != 0 {
				t.Errorf("Answer.Extra = %v, want none (out of the question's zone)", rrStrings(a.Extra))
			}
			b, err := c.Lookup(ctx, "sip.other.test.", dns.TypeA)
			if err != nil {
				t.Fatal(err)
			}
			if b.Cached || srv.Count() != 2 {
				t.Errorf("A sip.other.test.: Cached=%v, %d queries on the wire; want a query", b.Cached, srv.Count())
			}
			if got := b.Records[0].(*dns.A).A.String(); got != onWire {
				t.Errorf("A sip.other.test. = %s, want %s from the wire", got, onWire)
			}
			if s := c.Stats(); s.ExtraUsed != 0 || s.ExtraIgnore != 1 {
				t.Errorf("ExtraUsed %d, ExtraIgnore %d; want 0, 1", s.ExtraUsed, s.ExtraIgnore)
			}
		})
	}
}
