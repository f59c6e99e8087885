package doctor

import (
	"context"
	"crypto/tls"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/doctor/doctortest"
	"github.com/siplocate/siplocate/locatedns"
)

// Loopback block 127.0.13.0/24 (docs/loopback.md): the doctor's labs use
// .50-.99.

func labConfig(t *testing.T, lab *doctortest.Lab) Config {
	t.Helper()
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{lab.DNS}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Resolver: locatedns.New(c), Servers: []string{lab.DNS}, Timeout: 500 * time.Millisecond,
		TLS: &tls.Config{RootCAs: lab.Roots}, Now: func() time.Time { return lab.Now }}
}

type found struct {
	sev     Severity
	id      string
	subject string
}

// foundIn logs rep's findings and returns them as found values.
func foundIn(t *testing.T, rep *Report) []found {
	t.Helper()
	var got []found
	for _, f := range rep.Findings {
		t.Log(f)
		got = append(got, found{f.Severity, f.ID, f.Subject})
	}
	return got
}

func TestCheckLab(t *testing.T) {
	lab := doctortest.Start(t, "127.0.13.", 50, 0)
	rep, err := Check(context.Background(), "example.com", labConfig(t, lab))
	if err != nil {
		t.Fatal(err)
	}
	got := foundIn(t, rep)
	want := []found{
		{Error, "naptr-replacement-no-srv", `example.com. 300 IN NAPTR 20 50 "S" "SIP+D2T" "" _sip._tcp.example.com.`},
		{Error, "srv-target-cname", "_sip._udp.example.com. 300 IN SRV 50 0 " + port(lab, "sip1") + " alias.example.com."},
		{Error, "target-silent", "sip2.example.com:" + port(lab, "sip2") + "/udp [127.0.13.52]"},
		{Error, "target-unreachable", "sip4.example.com:" + port(lab, "sip4") + "/udp [127.0.13.54]"},
		{Warning, "target-503", "sip3.example.com:" + port(lab, "sip3") + "/udp [127.0.13.53]"},
		{Error, "tls-name", "tls1.example.com:" + port(lab, "tls1") + "/tls [127.0.13.55]"},
		{Error, "tls-certificate", "tls3.example.com:" + port(lab, "tls3") + "/tls [127.0.13.57]"},
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing finding %+v", w)
		}
	}
	if n := len(rep.Probes); n != len(rep.Targets) || n == 0 {
		t.Errorf("%d probes for %d targets", n, len(rep.Targets))
	}
}

func TestCheckGoodDomain(t *testing.T) {
	lab := doctortest.Start(t, "127.0.13.", 60, 0)
	rep, err := Check(context.Background(), "sip:alice@good.example", labConfig(t, lab))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Severity != Info {
			t.Errorf("finding on the correct domain: %s", f)
		}
	}
	if len(rep.Targets) != 2 {
		t.Errorf("targets %v, want sip1 over UDP and tls2 over TLS", rep.Targets)
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

// port returns the port of the lab's host (its first label).
func port(lab *doctortest.Lab, host string) string { return itoa(lab.Ports[host]) }
