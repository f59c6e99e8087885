package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
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

// checkPlanted checks that rep, the report on the fault lab started on
// prefix+first, has every planted fault with its id and severity.
func checkPlanted(t *testing.T, rep *Report, lab *doctortest.Lab, prefix string, first int) {
	t.Helper()
	got := foundIn(t, rep)
	at := func(host string, n int, transport string) string {
		return fmt.Sprintf("%s.example.com:%s/%s [%s%d]", host, port(lab, host), transport, prefix, first+n)
	}
	want := []found{
		{Error, "naptr-replacement-no-srv", `example.com. 300 IN NAPTR 20 50 "S" "SIP+D2T" "" _sip._tcp.example.com.`},
		{Error, "srv-target-cname", "_sip._udp.example.com. 300 IN SRV 50 0 " + port(lab, "sip1") + " alias.example.com."},
		{Error, "target-silent", at("sip2", 2, "udp")},
		{Error, "target-unreachable", at("sip4", 4, "udp")},
		{Warning, "target-503", at("sip3", 3, "udp")},
		{Error, "tls-name", at("tls1", 5, "tls")},
		{Error, "tls-certificate", at("tls3", 7, "tls")},
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing finding %+v", w)
		}
	}
}

func TestCheckLab(t *testing.T) {
	lab := doctortest.Start(t, "127.0.13.", 50, 0)
	rep, err := Check(context.Background(), "example.com", labConfig(t, lab))
	if err != nil {
		t.Fatal(err)
	}
	checkPlanted(t, rep, lab, "127.0.13.", 50)
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
