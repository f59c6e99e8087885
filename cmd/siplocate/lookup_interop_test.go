package main

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/internal/testenv"
)

// lookupKnotIP is the `siplocate lookup` interop address, in the block
// docs/loopback.md gives locate (dnsclient's Knot uses 127.0.1.231).
const lookupKnotIP = "127.0.1.232"

const lookupKnotConf = `server:
    rundir: "{{dir}}"
    listen: {{ip}}@{{port}}
database:
    storage: "{{dir}}"
template:
  - id: default
    storage: "{{dir}}"
zone:
  - domain: example.com
    file: "{{dir}}/example.com.zone"
log:
  - target: stderr
    any: info
`

// lookupKnotZone is the guide's zone: NAPTR for UDP and TCP, SRV with two
// priorities and two weights, A and AAAA.
const lookupKnotZone = `$ORIGIN example.com.
$TTL 300
@         3600 IN SOA ns.example.com. host.example.com. 1 3600 600 86400 60
@              IN NS  ns.example.com.
ns             IN A   192.0.2.53
@              IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.
@              IN NAPTR 10 20 "S" "SIP+D2T" "" _sip._tcp.example.com.
_sip._udp      IN SRV 10 60 5060 sip1.example.com.
_sip._udp      IN SRV 10 40 5060 sip2.example.com.
_sip._udp      IN SRV 20 0  5060 sip3.example.com.
_sip._tcp      IN SRV 10 0  5060 sip1.example.com.
sip1       120 IN A    192.168.10.13
sip1       120 IN AAAA 2001:db8::13
sip2           IN A    192.168.10.12
sip3           IN A    192.168.10.14
`

// startLookupKnot runs knotd with lookupKnotZone and returns its address
// once it serves the zone; testenv stops it by PID.
func startLookupKnot(t *testing.T) string {
	t.Helper()
	knotd := testenv.LookPath(t, "knotd")
	dir := t.TempDir()
	l, err := net.Listen("tcp", net.JoinHostPort(lookupKnotIP, "0"))
	if err != nil {
		t.Fatalf("find a free port on %s: %v", lookupKnotIP, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	testenv.WriteFile(t, dir, "example.com.zone", lookupKnotZone)
	conf := testenv.WriteFile(t, dir, "knot.conf", testenv.Expand(lookupKnotConf,
		map[string]string{"dir": dir, "ip": lookupKnotIP, "port": strconv.Itoa(port)}))
	p := testenv.Start(t, knotd, "-c", conf)
	addr := net.JoinHostPort(lookupKnotIP, strconv.Itoa(port))
	testenv.WaitFor(t, p, 10*time.Second, func() error {
		q := new(dns.Msg)
		q.SetQuestion("example.com.", dns.TypeSOA)
		r, _, err := (&dns.Client{Net: "tcp", Timeout: 200 * time.Millisecond}).Exchange(q, addr)
		if err != nil {
			return err
		}
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
			return fmt.Errorf("SOA: rcode %s, AA %v", dns.RcodeToString[r.Rcode], r.Authoritative)
		}
		return nil
	})
	return addr
}

// TestInteropLookupKnot runs `siplocate lookup` against Knot serving the
// guide's zone: the targets come in RFC 3263/2782 order (UDP before TCP by
// NAPTR preference; priority 10 before 20) and the trace goes NAPTR, then
// SRV, then A/AAAA.
func TestInteropLookupKnot(t *testing.T) {
	testenv.RequireInterop(t)
	addr := startLookupKnot(t)
	stdout, stderr, code := runLookup(t, addr, "sip:alice@example.com", "--json", "--dns-timeout", "2s")
	if code != 0 {
		t.Fatalf("exit status %d; stderr: %s", code, stderr)
	}
	var out lookupJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	var got []string
	for _, tg := range out.Targets {
		got = append(got, fmt.Sprintf("%s %s %d p%d", tg.Transport, tg.Host, tg.Port, tg.Priority))
	}
	// Priority 10 of UDP holds sip1 (A and AAAA, weight 60) and sip2
	// (weight 40) in weighted-random order; then sip3; then TCP.
	prio10 := slices.Clone(got[:3])
	slices.Sort(prio10)
	want10 := []string{"udp sip1.example.com 5060 p10", "udp sip1.example.com 5060 p10", "udp sip2.example.com 5060 p10"}
	wantRest := []string{"udp sip3.example.com 5060 p20", "tcp sip1.example.com 5060 p10", "tcp sip1.example.com 5060 p10"}
	if len(got) != 6 || !slices.Equal(prio10, want10) || !slices.Equal(got[3:], wantRest) {
		t.Fatalf("targets:\n%q\nwant %q in some weighted order, then %q", got, want10, wantRest)
	}
	checkTraceOrder(t, out.Queries)
}

// checkTraceOrder checks the queries go NAPTR, then SRV, then A/AAAA, and
// that the NAPTR query went to the server.
func checkTraceOrder(t *testing.T, qs []queryJSON) {
	t.Helper()
	rank := map[string]int{"NAPTR": 0, "SRV": 1, "A": 2, "AAAA": 2}
	var types []string
	for i, q := range qs {
		types = append(types, q.Type)
		if i > 0 && rank[q.Type] < rank[qs[i-1].Type] {
			t.Errorf("trace order %v: %s after %s", types, q.Type, qs[i-1].Type)
		}
		if q.Error != "" || q.Rcode != "NOERROR" {
			t.Errorf("query %s %s: rcode %q error %q", q.Type, q.Name, q.Rcode, q.Error)
		}
	}
	if len(qs) < 5 || qs[0].Type != "NAPTR" || qs[0].Cached || qs[1].Type != "SRV" || qs[len(qs)-1].Type[0] != 'A' {
		t.Errorf("trace %v: want NAPTR (on the wire), SRV, SRV, then A/AAAA", types)
	}
}
