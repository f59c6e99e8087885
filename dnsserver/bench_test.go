package dnsserver

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// sipDomains returns a zone with n SIP domains under example.com, each
// with NAPTR, SRV and A records as the guide configures one.
func sipDomains(n int) string {
	var b strings.Builder
	b.WriteString(zoneHead)
	for i := range n {
		d := fmt.Sprintf("d%04d", i)
		fmt.Fprintf(&b, "%s NAPTR 10 50 \"S\" \"SIP+D2U\" \"\" _sip._udp.%s\n", d, d)
		fmt.Fprintf(&b, "%s NAPTR 20 50 \"S\" \"SIP+D2T\" \"\" _sip._tcp.%s\n", d, d)
		fmt.Fprintf(&b, "_sip._udp.%s SRV 10 60 5060 sip1.%s\n_sip._udp.%s SRV 20 40 5060 sip2.%s\n", d, d, d, d)
		fmt.Fprintf(&b, "_sip._tcp.%s SRV 10 60 5060 sip1.%s\n", d, d)
		fmt.Fprintf(&b, "sip1.%s A 192.0.2.13\nsip2.%s A 192.0.2.12\n", d, d)
	}
	return b.String()
}

func benchServer(b *testing.B) *Server {
	b.Helper()
	z, err := ParseZone(strings.NewReader(sipDomains(1000)), "bench.zone", "")
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{}
	s.snap.Store(newSnapshot([]*Zone{z}))
	return s
}

var benchQueries = []query{
	{name: "d0500.example.com.", qtype: dns.TypeNAPTR, edns: 1232},
	{name: "_sip._udp.d0500.example.com.", qtype: dns.TypeSRV, edns: 1232},
	{name: "sip1.d0500.example.com.", qtype: dns.TypeA},
	{name: "nope.d0500.example.com.", qtype: dns.TypeA}, // NXDOMAIN: slow path every time
}

// BenchmarkServe measures one UDP query from raw bytes to raw response, as
// the socket loop runs it (fast path where it applies).
func BenchmarkServe(b *testing.B) {
	s := benchServer(b)
	for _, q := range benchQueries {
		b.Run(dns.TypeToString[q.qtype]+"/"+q.name, func(b *testing.B) {
			u := &udpSocket{srv: s}
			raw := pack(b, q.msg())
			out, key := make([]byte, 0, dns.MaxMsgSize), make([]byte, 0, 260)
			b.ReportAllocs()
			for b.Loop() {
				if u.handle(raw, out, key) == nil {
					b.Fatal("no response")
				}
			}
		})
	}
}

// BenchmarkSlowPath measures the same queries through the full miekg/dns
// path: unpack, lookup, additional records, fit, pack.
func BenchmarkSlowPath(b *testing.B) {
	s := benchServer(b)
	for _, q := range benchQueries {
		b.Run(dns.TypeToString[q.qtype]+"/"+q.name, func(b *testing.B) {
			var st stats
			raw := pack(b, q.msg())
			out := make([]byte, 0, dns.MaxMsgSize)
			snap := s.snap.Load()
			b.ReportAllocs()
			for b.Loop() {
				if s.slowPath(snap, raw, out, &st, 0) == nil {
					b.Fatal("no response")
				}
			}
		})
	}
}

// BenchmarkLoad measures loading and precomputing the 1,000-domain zone.
func BenchmarkLoad(b *testing.B) {
	text := sipDomains(1000)
	b.ReportAllocs()
	for b.Loop() {
		z, err := ParseZone(strings.NewReader(text), "bench.zone", "")
		if err != nil {
			b.Fatal(err)
		}
		newSnapshot([]*Zone{z})
	}
}

// BenchmarkLoadLarge loads a zone of 100k A records (the zone-memory
// bench's shape, bench/zone-memory) and reports the live heap the loaded
// snapshot holds per record (after a full collection) and the load time
// per record.
func BenchmarkLoadLarge(b *testing.B) {
	const n = 100_000
	text := bigZone(n)
	var live uint64
	for b.Loop() {
		b.StopTimer()
		base := liveHeap()
		b.StartTimer()
		z, err := ParseZone(strings.NewReader(text), "big.zone", "")
		if err != nil {
			b.Fatal(err)
		}
		s := newSnapshot([]*Zone{z})
		b.StopTimer()
		live = liveHeap() - base
		runtime.KeepAlive(s)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/n, "live-B/record")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
}
