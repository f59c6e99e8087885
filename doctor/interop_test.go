package doctor

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/doctor/doctortest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locatedns"
)

const interopKnotConf = `server:
    rundir: "{{dir}}"
    listen: {{ip}}@{{port}}
database:
    storage: "{{dir}}"
template:
  - id: default
    storage: "{{dir}}"
    semantic-checks: off
zone:
  - domain: split.example
    file: "{{dir}}/split.example.zone"
log:
  - target: stderr
    any: info
`

const interopNSDConf = `server:
    ip-address: {{ip}}@{{port}}
    zonesdir: "{{dir}}"
    pidfile: "{{dir}}/nsd.pid"
    database: ""
    xfrdfile: "{{dir}}/xfrd.state"
    zonelistfile: "{{dir}}/zone.list"
    username: ""
    chroot: ""
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: split.example
    zonefile: "{{dir}}/split.example.zone"
`

// startPeer runs a peer name server (knotd or nsd) with zone on ip:port
// and waits until it answers the zone's SOA.
func startPeer(t *testing.T, name, conf, ip string, port int, zone string) {
	t.Helper()
	bin := testenv.LookPath(t, name)
	dir := t.TempDir()
	testenv.WriteFile(t, dir, "split.example.zone", zone)
	cf := testenv.WriteFile(t, dir, name+".conf", testenv.Expand(conf,
		map[string]string{"dir": dir, "ip": ip, "port": strconv.Itoa(port)}))
	args := []string{"-c", cf}
	if name == "nsd" {
		args = append(args, "-d")
	}
	p := testenv.Start(t, bin, args...)
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	testenv.WaitFor(t, p, 10*time.Second, func() error {
		r, err := dns.Exchange(new(dns.Msg).SetQuestion("split.example.", dns.TypeSOA), addr)
		if err != nil {
			return err
		}
		if !r.Authoritative {
			return fmt.Errorf("SOA not authoritative yet")
		}
		return nil
	})
}

// TestInteropPeersDisagree runs the zone's two name servers as Knot
// (ns1, serial 2) and NSD (ns2, serial 1, another port in one SRV
// record), and checks the doctor sees both differences.
func TestInteropPeersDisagree(t *testing.T) {
	testenv.RequireInterop(t)
	l, err := net.Listen("tcp", "127.0.13.70:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	startPeer(t, "knotd", interopKnotConf, "127.0.13.70", port, zoneAt(2, 5070))
	startPeer(t, "nsd", interopNSDConf, "127.0.13.71", port, zoneAt(1, 5080))
	server := net.JoinHostPort("127.0.13.70", strconv.Itoa(port))
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{server}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Resolver: locatedns.New(c), Servers: []string{server}, NSPort: uint16(port), Timeout: 300 * time.Millisecond}
	rep, err := Check(context.Background(), "split.example", cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := foundIn(t, rep)
	for _, w := range []found{{Error, "ns-disagree", "_sip._udp.split.example. SRV"}, {Warning, "ns-soa-serial", "split.example. SOA"}} {
		if !slices.Contains(got, w) {
			t.Errorf("missing %+v", w)
		}
	}
}

// TestInteropKamailioTLS runs the lab with Kamailio's tls module as the
// three TLS servers (127.0.13.95-.97:5061; the test makes the CA and the
// certificates): every planted fault is reported with its id and severity
// (the certificate naming only the host and the expired one among them),
// the correct certificate is not,
// and the correct domain, whose TLS target is the same Kamailio, yields
// no error or warning.
func TestInteropKamailioTLS(t *testing.T) {
	testenv.RequireInterop(t)
	lab := doctortest.StartKamailioTLS(t, "127.0.13.", 90, 0)
	rep, err := Check(context.Background(), "example.com", labConfig(t, lab))
	if err != nil {
		t.Fatal(err)
	}
	checkPlanted(t, rep, lab, "127.0.13.", 90)
	for _, f := range rep.Findings {
		if strings.Contains(f.Subject, "tls2.example.com") && f.Severity != Info {
			t.Errorf("finding on the correct TLS target: %s", f)
		}
	}
	answered := 0
	for _, p := range rep.Probes {
		if p.Target.Transport == "tls" && p.Status == 200 {
			answered++
		}
	}
	if answered != 1 {
		t.Errorf("%d TLS targets answered OPTIONS 200, want tls2's Kamailio", answered)
	}

	good, err := Check(context.Background(), "sip:alice@good.example", labConfig(t, lab))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range good.Findings {
		if f.Severity != Info {
			t.Errorf("finding on the correct domain: %s", f)
		}
	}
}
