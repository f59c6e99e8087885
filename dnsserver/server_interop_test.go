package dnsserver

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/internal/testenv"
)

// Interop tests use 127.0.2.0/24 (docs/loopback.md): .1 for dig, .2 for
// our server feeding Knot, .3 for Knot.

// dig runs dig against addr and returns its output.
func dig(t *testing.T, addr string, args ...string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	args = append([]string{"@" + host, "-p", port, "+norec", "+time=2", "+tries=2"}, args...)
	out, err := exec.Command(testenv.LookPath(t, "dig"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestInteropDig(t *testing.T) {
	testenv.RequireInterop(t)
	s := startServer(t, Config{Addr: "127.0.2.1:0", AllowTransfer: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	addr := s.Addr().String()
	tests := []struct {
		name string
		args []string
		want []string // substrings of dig's output
	}{
		{
			name: "NAPTR with SRV and addresses in additional",
			args: []string{"example.com", "NAPTR"},
			want: []string{"status: NOERROR", "flags: qr aa;", "ANSWER: 3, AUTHORITY: 0, ADDITIONAL: 8", "udp: 1232",
				"_sip._udp.example.com.\t3600\tIN\tSRV\t20 40 5060 sip2.example.com.", "sip3.example.com.\t3600\tIN\tA\t192.0.2.14"},
		},
		{
			name: "SRV with addresses, no EDNS0",
			args: []string{"+noedns", "_sip._udp.example.com", "SRV"},
			want: []string{"flags: qr aa;", "ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3", "sip1.example.com.\t3600\tIN\tAAAA\t2001:db8::13"},
		},
		{
			name: "NXDOMAIN with SOA",
			args: []string{"nope.example.com", "A"},
			want: []string{"status: NXDOMAIN", "flags: qr aa;", "example.com.\t\t300\tIN\tSOA"},
		},
		{
			name: "truncated over UDP, whole over TCP when dig retries",
			args: []string{"+noedns", "many.example.com", "A"},
			want: []string{"Truncated, retrying in TCP mode.", "ANSWER: 32,"},
		},
		{
			name: "AXFR",
			args: []string{"example.com", "AXFR"},
			want: []string{"XFR size: 75 records"},
		},
		{
			name: "outside our zones",
			args: []string{"www.example.org", "A"},
			want: []string{"status: REFUSED"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := dig(t, addr, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("dig %v lacks %q:\n%s", tc.args, w, out)
				}
			}
		})
	}
}

// freePort returns a port free for UDP and TCP on ip, for a peer that
// cannot be told to pick one itself.
func freePort(t *testing.T, ip string) string {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", ip, port))
		pc.Close()
		if err == nil {
			ln.Close()
			return fmt.Sprint(port)
		}
	}
	t.Fatal("no free port")
	return ""
}

const knotConf = `server:
    rundir: "{{dir}}"
    listen: 127.0.2.3@{{port}}
database:
    storage: "{{dir}}/db"
log:
  - target: stderr
    any: info
{{keys}}
remote:
  - id: primary
    address: 127.0.2.2@{{primaryPort}}
    via: 127.0.2.3
{{remoteKey}}
acl:
  - id: notify_from_primary
    address: 127.0.2.2
    action: notify
{{aclKey}}
zone:
  - domain: example.com
    storage: "{{dir}}/zones"
    file: example.com.zone
    master: primary
    acl: notify_from_primary
`

// knotKey is the TSIG part of Knot's configuration for the key of
// testKey/testSecret.
var knotKey = map[string]string{
	"keys":      "key:\n  - id: " + testKey + "\n    algorithm: hmac-sha256\n    secret: " + testSecret,
	"remoteKey": "    key: " + testKey,
	"aclKey":    "    key: " + testKey,
}

// TestInteropKnotSecondary has a real Knot secondary pull example.com from
// us after our NOTIFY, answer the same as we do, and follow a reload: once
// allowed by its address, once by a TSIG key (Knot then signs its SOA
// queries over UDP and its transfers over TCP, and we sign our NOTIFYs).
func TestInteropKnotSecondary(t *testing.T) {
	testenv.RequireInterop(t)
	t.Run("by address", func(t *testing.T) {
		testKnotSecondary(t, Config{AllowTransfer: []netip.Prefix{netip.MustParsePrefix("127.0.2.3/32")}}, nil)
	})
	t.Run("by TSIG", func(t *testing.T) {
		testKnotSecondary(t, Config{TSIG: []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}}}, knotKey)
	})
}

func testKnotSecondary(t *testing.T, cfg Config, tsig map[string]string) {
	knotd := testenv.LookPath(t, "knotd")
	dir := t.TempDir()
	zone := filepath.Join(dir, "primary.zone")
	text, err := os.ReadFile("testdata/example.com.zone")
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, dir, "primary.zone", string(text))
	port := freePort(t, "127.0.2.3")
	primaryPort := freePort(t, "127.0.2.2")
	cfg.Zones, cfg.Addr = []string{zone}, "127.0.2.2:"+primaryPort
	cfg.Notify, cfg.notifyRetry = []string{"127.0.2.3:" + port}, 300*time.Millisecond
	s := startServer(t, cfg)
	for _, d := range []string{"db", "zones"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"dir": dir, "port": port, "primaryPort": primaryPort, "keys": "", "remoteKey": "", "aclKey": ""}
	for k, v := range tsig {
		vars[k] = v
	}
	conf := testenv.WriteFile(t, dir, "knot.conf", testenv.Expand(knotConf, vars))
	knot := testenv.Start(t, knotd, "-c", conf, "-s", filepath.Join(dir, "knot.sock"))
	knotAddr := "127.0.2.3:" + port
	waitSerial(t, knot, knotAddr, "2026112501")
	for _, q := range [][]string{
		{"example.com", "NAPTR"}, {"_sip._udp.example.com", "SRV"}, {"www.example.com", "A"},
		{"nope.example.com", "A"}, {"a.b.wild.example.com", "TXT"}, {"host.sub.example.com", "A"},
	} {
		ours, theirs := digAnswer(t, s.Addr().String(), q), digAnswer(t, knotAddr, q)
		if !strings.Contains(ours, "NOERROR") && !strings.Contains(ours, "NXDOMAIN") {
			t.Errorf("%v: no status in our answer:\n%s", q, ours)
		}
		if ours != theirs {
			t.Errorf("%v:\nours:\n%s\nknot:\n%s", q, ours, theirs)
		}
	}
	compareEveryName(t, zone, s.Addr().String(), knotAddr)
	// A reload with a new serial reaches Knot by NOTIFY and transfer.
	testenv.WriteFile(t, dir, "primary.zone", strings.Replace(string(text), "2026112501", "2026112502", 1)+"new A 192.0.2.222\n")
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	waitSerial(t, knot, knotAddr, "2026112502")
	if got := digAnswer(t, knotAddr, []string{"new.example.com", "A"}); !strings.Contains(got, "192.0.2.222") {
		t.Errorf("Knot after reload: %s, want new.example.com A 192.0.2.222", got)
	}
	compareEveryName(t, zone, s.Addr().String(), knotAddr)
}

// waitSerial waits until the server at addr serves example.com with serial.
func waitSerial(t *testing.T, p *testenv.Process, addr, serial string) {
	t.Helper()
	testenv.WaitFor(t, p, 15*time.Second, func() error {
		out, err := exec.Command("dig", "@"+strings.Split(addr, ":")[0], "-p", strings.Split(addr, ":")[1],
			"+short", "+time=1", "+tries=1", "example.com", "SOA").CombinedOutput()
		if err != nil || !strings.Contains(string(out), " "+serial+" ") {
			return fmt.Errorf("SOA %q, want serial %s", strings.TrimSpace(string(out)), serial)
		}
		return nil
	})
}

// digAnswer returns the status, AA flag and answer and authority sections
// dig shows for q, normalised for comparison.
func digAnswer(t *testing.T, addr string, q []string) string {
	out := dig(t, addr, append([]string{"+nocmd", "+nostats", "+noquestion", "+noadditional"}, q...)...)
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(l, "status:"):
			lines = append(lines, strings.Split(strings.SplitN(l, "status: ", 2)[1], ",")[0])
		case strings.HasPrefix(l, ";; flags:"):
			lines = append(lines, strings.SplitN(strings.SplitN(l, ";", 3)[2], ";", 2)[0])
		case l != "" && !strings.HasPrefix(l, ";"):
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// compareTypes are asked for every name of the zone when comparing with a
// secondary: each type the test zone holds, and some it holds nowhere
// (NODATA), DS (answered from the parent side of a cut) and ANY (one
// RRset, RFC 8482 §4.1, as Knot gives).
var compareTypes = []uint16{
	dns.TypeSOA, dns.TypeNS, dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeSRV,
	dns.TypeNAPTR, dns.TypeTXT, dns.TypeMX, dns.TypePTR, dns.TypeDS, dns.TypeCAA, dns.TypeANY,
}

// compareEveryName asks ours and theirs every name of the zone in file,
// and a child of each (NXDOMAIN or a wildcard), for every type of
// compareTypes, and fails t where the response codes, the AA bit or the
// answer and authority sections differ. Additional sections are left out:
// what a server adds there is its own choice (RFC 2181 §9).
func compareEveryName(t *testing.T, file, ours, theirs string) {
	t.Helper()
	z, err := LoadZone(file, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range z.nodes {
		names = append(names, name, "nx-child."+name)
	}
	sort.Strings(names)
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	asked := 0
	for _, name := range names {
		for _, qt := range compareTypes {
			q := query{name: name, qtype: qt, edns: 4096}.msg()
			q.RecursionDesired = false
			a, b := exchangeWith(t, c, q, ours), exchangeWith(t, c, q, theirs)
			if got, want := digest(a), digest(b); got != want {
				t.Errorf("%s %s:\nours:\n%s\nsecondary:\n%s", name, dns.TypeToString[qt], got, want)
			}
			asked++
		}
	}
	t.Logf("compared %d questions (%d names × %d types)", asked, len(names), len(compareTypes))
}

func exchangeWith(t *testing.T, c *dns.Client, q *dns.Msg, addr string) *dns.Msg {
	t.Helper()
	r, _, err := c.Exchange(q, addr)
	if err != nil {
		t.Fatalf("%s %s to %s: %v", q.Question[0].Name, dns.TypeToString[q.Question[0].Qtype], addr, err)
	}
	return r
}

// digest renders the parts of a response two authoritative servers must
// agree on.
func digest(m *dns.Msg) string {
	return fmt.Sprintf("%s aa=%v tc=%v\nanswer:\n%s\nauthority:\n%s",
		dns.RcodeToString[m.Rcode], m.Authoritative, m.Truncated, section(m.Answer), section(m.Ns))
}
