package dnstest

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

var testZone = []string{
	"example.com. 300 IN SOA ns.example.com. host.example.com. 1 3600 600 86400 60",
	"_sip._udp.example.com. 300 IN SRV 10 60 5060 sip1.example.com.",
	"sip1.example.com. 300 IN A 192.0.2.1",
	"www.example.com. 300 IN CNAME sip1.example.com.",
	"out.example.com. 300 IN CNAME elsewhere.example.net.",
}

func exchange(t *testing.T, net, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(1232, false)
	c := &dns.Client{Net: net, Timeout: 2 * time.Second}
	r, _, err := c.Exchange(q, addr)
	if err != nil {
		t.Fatalf("exchange %s %s over %s: %v", name, dns.TypeToString[qtype], net, err)
	}
	return r
}

func TestZone(t *testing.T) {
	srv := NewServer(t, NewZone(testZone...))
	tests := []struct {
		name             string
		qname            string
		qtype            uint16
		rcode            int
		answers, ns, ext int
	}{
		{name: "srv with extras", qname: "_sip._udp.example.com.", qtype: dns.TypeSRV, answers: 1, ext: 2},
		{name: "case-insensitive", qname: "SIP1.Example.COM.", qtype: dns.TypeA, answers: 1, ext: 1},
		{name: "cname chased", qname: "www.example.com.", qtype: dns.TypeA, answers: 2, ext: 1},
		{name: "cname out of zone", qname: "out.example.com.", qtype: dns.TypeA, answers: 1, ext: 1},
		{name: "nodata", qname: "sip1.example.com.", qtype: dns.TypeAAAA, ns: 1, ext: 1},
		{name: "empty non-terminal", qname: "_udp.example.com.", qtype: dns.TypeSRV, ns: 1, ext: 1},
		{name: "nxdomain", qname: "nope.example.com.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: 1, ext: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exchange(t, "udp", srv.Addr, tt.qname, tt.qtype)
			if r.Rcode != tt.rcode || len(r.Answer) != tt.answers || len(r.Ns) != tt.ns || len(r.Extra) != tt.ext {
				t.Errorf("got rcode %d, %d/%d/%d records, want %d, %d/%d/%d:\n%v",
					r.Rcode, len(r.Answer), len(r.Ns), len(r.Extra), tt.rcode, tt.answers, tt.ns, tt.ext, r)
			}
		})
	}
	if got, want := srv.Count(), len(tests); got != want {
		t.Errorf("Count() = %d, want %d", got, want)
	}
	if got := srv.CountOf("sip1.EXAMPLE.com", dns.TypeA); got != 1 {
		t.Errorf("CountOf(sip1 A) = %d, want 1", got)
	}
}

func TestTruncate(t *testing.T) {
	srv := NewServer(t, Truncate(NewZone(testZone...)))
	if r := exchange(t, "udp", srv.Addr, "sip1.example.com.", dns.TypeA); !r.Truncated || len(r.Answer) != 0 {
		t.Errorf("udp: got TC=%v with %d answers, want TC and none", r.Truncated, len(r.Answer))
	}
	if r := exchange(t, "tcp", srv.Addr, "sip1.example.com.", dns.TypeA); r.Truncated || len(r.Answer) != 1 {
		t.Errorf("tcp: got TC=%v with %d answers, want no TC and 1", r.Truncated, len(r.Answer))
	}
	qs := srv.Queries()
	if len(qs) != 2 || qs[0].Net != "udp" || qs[1].Net != "tcp" {
		t.Errorf("Queries() = %+v, want one udp then one tcp", qs)
	}
}

func TestZoneTruncatesLargeUDPAnswers(t *testing.T) {
	var lines []string
	for i := range 200 {
		lines = append(lines, "big.example.com. 300 IN TXT \"record number "+string(rune('a'+i%26))+"\" \""+time.Duration(i).String()+"\"")
	}
	srv := NewServer(t, NewZone(lines...))
	if r := exchange(t, "udp", srv.Addr, "big.example.com.", dns.TypeTXT); !r.Truncated {
		t.Errorf("udp answer of 200 TXT not truncated (%d records)", len(r.Answer))
	}
	if r := exchange(t, "tcp", srv.Addr, "big.example.com.", dns.TypeTXT); len(r.Answer) != 200 {
		t.Errorf("tcp answer has %d records, want 200", len(r.Answer))
	}
}

func TestSpoofSendsForgeriesFirst(t *testing.T) {
	srv := NewServer(t, Spoof(NewZone(testZone...)))
	// miekg's Client checks only the ID, so it skips the wrong-ID copy and
	// takes the wrong-name copy: proof the forgeries are on the wire.
	r := exchange(t, "udp", srv.Addr, "sip1.example.com.", dns.TypeA)
	if r.Question[0].Name != "forged.sip1.example.com." {
		t.Errorf("first accepted answer has question %q, want the forged name", r.Question[0].Name)
	}
}

func TestRRPanicsOnBadText(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("RR(bad text) did not panic")
		}
	}()
	RR("a.example. 300 IN A not-an-address")
}
