package register

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/internal/kamailiotest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// The guide's lab on loopback: Kamailio primary on 127.0.0.13, backup on
// 127.0.0.12, both found through NAPTR and SRV served from 127.0.0.53.
const (
	labDomain  = "example.test"
	labPrimary = "127.0.0.13"
	labBackup  = "127.0.0.12"
	labDNS     = "127.0.0.53"
	labAOR     = "alice@" + labDomain
)

// labZone returns the zone: NAPTR for UDP and TCP, SRV priority 10 for
// sip1 (the primary) and 20 for sip2 (the backup).
func labZone() *dnstest.Zone {
	return dnstest.NewZone(
		labDomain+". 60 IN SOA ns."+labDomain+". host."+labDomain+". 1 3600 600 86400 60",
		labDomain+`. 60 IN NAPTR 10 50 "s" "SIP+D2U" "" _sip._udp.`+labDomain+".",
		labDomain+`. 60 IN NAPTR 20 50 "s" "SIP+D2T" "" _sip._tcp.`+labDomain+".",
		"_sip._udp."+labDomain+". 60 IN SRV 10 50 5060 sip1."+labDomain+".",
		"_sip._udp."+labDomain+". 60 IN SRV 20 50 5060 sip2."+labDomain+".",
		"_sip._tcp."+labDomain+". 60 IN SRV 10 50 5060 sip1."+labDomain+".",
		"_sip._tcp."+labDomain+". 60 IN SRV 20 50 5060 sip2."+labDomain+".",
		"sip1."+labDomain+". 60 IN A "+labPrimary,
		"sip2."+labDomain+". 60 IN A "+labBackup,
	)
}

// lab is the running lab: two Kamailios and a locator through the DNS.
type lab struct {
	primary, backup *kamailiotest.Instance
	locator         *locate.Locator
}

func startLab(t *testing.T) *lab {
	t.Helper()
	l := startBackupLab(t)
	l.primary = kamailiotest.Start(t, kamailiotest.Config{Addr: labPrimary, Port: 5060, Users: labUsers, MinExpires: 5})
	return l
}

var labUsers = map[string]string{"alice": "secret"}

// startBackupLab starts the DNS and the backup Kamailio only, leaving the
// primary's address to the test.
func startBackupLab(t *testing.T) *lab {
	t.Helper()
	testenv.RequireInterop(t)
	testenv.LookPath(t, "kamailio")
	testenv.LookPath(t, "kamcmd")
	dnsSrv := dnstest.NewServerOn(t, labDNS, labZone())
	client, err := dnsclient.New(dnsclient.Config{Servers: []string{dnsSrv.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	return &lab{
		backup:  kamailiotest.Start(t, kamailiotest.Config{Addr: labBackup, Port: 5060, Users: labUsers, MinExpires: 5}),
		locator: &locate.Locator{Resolver: locatedns.New(client)},
	}
}

// run starts an agent for alice over transport and returns its events.
func (l *lab) run(t *testing.T, transport locate.Transport, expires, probe time.Duration) *events {
	t.Helper()
	ev := newEvents()
	a, err := New(Config{
		Accounts: []Account{{
			AOR: "sip:" + labAOR, Password: "secret", Server: labDomain,
			Transports: []locate.Transport{transport}, Expires: expires, Probe: probe,
			AttemptTimeout: 2 * time.Second,
		}},
		Locator: l.locator, OnEvent: ev.add, Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(runAgent(t, a))
	return ev
}

// runAgent runs a until the returned stop is called.
func runAgent(t *testing.T, a *Agent) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() { cancel(); <-done }
}

// TestInteropKamailioFailoverAndBack is the scenario with --probe:
// register with the primary, fail it (killed: port closed; or paused:
// silent), see the backup take the registration, bring the primary back,
// see the agent return to it and leave the backup. Every step is checked in
// Kamailio's own location table. The times are logged, not asserted.
func TestInteropKamailioFailoverAndBack(t *testing.T) {
	for _, transport := range []locate.Transport{locate.UDP, locate.TCP} {
		for _, failure := range []string{"kill", "pause"} {
			t.Run(fmt.Sprintf("%s/%s", transport, failure), func(t *testing.T) {
				l := startLab(t)
				ev := l.run(t, transport, 60*time.Second, time.Second)
				if got := ev.wait(t, Registered); got.Target.Addr.String() != labPrimary {
					t.Fatalf("registered first with %s, want the primary", targetName(got.Target))
				}
				l.primary.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))

				failed := time.Now()
				if failure == "kill" {
					l.primary.Kill()
				} else {
					l.primary.Pause()
				}
				over := ev.wait(t, FailedOver)
				if over.Target.Addr.String() != labBackup {
					t.Fatalf("failed over to %s, want the backup", targetName(over.Target))
				}
				l.backup.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))
				t.Logf("%s %s: backup registered %.2fs after the failure", transport, failure, over.Time.Sub(failed).Seconds())

				back := time.Now()
				if failure == "kill" {
					l.primary.Restart(t)
				} else {
					l.primary.Resume()
				}
				fb := ev.wait(t, FailedBack)
				if fb.Target.Addr.String() != labPrimary {
					t.Fatalf("failed back to %s, want the primary", targetName(fb.Target))
				}
				l.primary.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))
				l.backup.WaitLocations(t, 5*time.Second, kamailiotest.NoAOR(labAOR))
				t.Logf("%s %s: primary registered %.2fs after its return", transport, failure, fb.Time.Sub(back).Seconds())
			})
		}
	}
}
