package sipsend_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/internal/kamailiotest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
	"github.com/siplocate/siplocate/sipsend"
)

// The interop lab in 127.0.12.200-254 (docs/loopback.md): Kamailio
// primary on .213, backup on .212, found through NAPTR and SRV served from
// .253. Each answers OPTIONS with 200 and INVITE with 486.
const (
	kamDomain  = "example.test"
	kamPrimary = "127.0.12.213"
	kamBackup  = "127.0.12.212"
	kamDNS     = "127.0.12.253"
)

func kamZone() *dnstest.Zone {
	return dnstest.NewZone(
		kamDomain+". 60 IN SOA ns."+kamDomain+". host."+kamDomain+". 1 3600 600 86400 60",
		kamDomain+`. 60 IN NAPTR 10 50 "s" "SIP+D2U" "" _sip._udp.`+kamDomain+".",
		kamDomain+`. 60 IN NAPTR 20 50 "s" "SIP+D2T" "" _sip._tcp.`+kamDomain+".",
		"_sip._udp."+kamDomain+". 60 IN SRV 10 50 5060 sip1."+kamDomain+".",
		"_sip._udp."+kamDomain+". 60 IN SRV 20 50 5060 sip2."+kamDomain+".",
		"_sip._tcp."+kamDomain+". 60 IN SRV 10 50 5060 sip1."+kamDomain+".",
		"_sip._tcp."+kamDomain+". 60 IN SRV 20 50 5060 sip2."+kamDomain+".",
		"sip1."+kamDomain+". 60 IN A "+kamPrimary,
		"sip2."+kamDomain+". 60 IN A "+kamBackup,
	)
}

// kamLab is two Kamailios behind the DNS, and a client fixture.
type kamLab struct {
	primary, backup *kamailiotest.Instance
	f               *fixture
	dns             string // the DNS server's address
}

func startKamLab(t *testing.T, transport locate.Transport) *kamLab {
	t.Helper()
	testenv.RequireInterop(t)
	testenv.LookPath(t, "kamailio")
	testenv.LookPath(t, "kamcmd")
	dnsSrv := dnstest.NewServerOn(t, kamDNS, kamZone())
	dc, err := dnsclient.New(dnsclient.Config{Servers: []string{dnsSrv.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{"alice": "secret"}
	l := &kamLab{
		primary: kamailiotest.Start(t, kamailiotest.Config{Addr: kamPrimary, Port: 5060, Users: users}),
		backup:  kamailiotest.Start(t, kamailiotest.Config{Addr: kamBackup, Port: 5060, Users: users}),
		dns:     dnsSrv.Addr,
	}
	l.f = newFixture(t, nil, transport)
	l.f.opts.Locator = &locate.Locator{Resolver: locatedns.New(dc)}
	l.f.opts.Locate = locate.Options{Transports: []locate.Transport{transport}}
	l.f.opts.AttemptTimeout = time.Second
	return l
}

// send sends method to the domain and returns the status, the attempts
// as "ip outcome" words and the time it took.
func (l *kamLab) send(t *testing.T, method sip.RequestMethod) (int, []string, time.Duration) {
	t.Helper()
	req := sip.NewRequest(method, sip.Uri{Scheme: "sip", User: "alice", Host: kamDomain})
	if method == sip.INVITE {
		req.AppendHeader(sip.NewHeader("Contact", "<sip:bob@127.0.0.1>"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, tr, err := sipsend.Do(ctx, l.f.client, req, l.f.opts)
	took := time.Since(start)
	var words []string
	for _, a := range tr.Attempts {
		s := a.Outcome.String()
		if a.Status != 0 {
			s = fmt.Sprint(a.Status)
		}
		words = append(words, a.Target.Addr.String()+" "+s)
	}
	if err != nil {
		t.Fatalf("%s: %v (attempts %q)", method, err, words)
	}
	return res.StatusCode, words, took
}

// TestInteropKamailio is the scenario: the primary killed,
// SIGSTOPped or answering 503; OPTIONS and INVITE reach the backup; later
// requests skip the primary until it is back (its hold over). The times
// to the final response are logged, not asserted.
func TestInteropKamailio(t *testing.T) {
	for _, transport := range []locate.Transport{locate.UDP, locate.TCP} {
		for _, failure := range []string{"kill", "pause", "503"} {
			t.Run(fmt.Sprintf("%s/%s", transport, failure), func(t *testing.T) {
				l := startKamLab(t, transport)
				if code, words, _ := l.send(t, sip.OPTIONS); code != 200 || len(words) != 1 || words[0] != kamPrimary+" 200" {
					t.Fatalf("before the failure: %d %q, want 200 from the primary", code, words)
				}
				var wantPrimary string
				switch failure {
				case "kill":
					l.primary.Kill()
					wantPrimary = kamPrimary + " transport-error"
				case "pause":
					l.primary.Pause()
					defer l.primary.Resume()
					wantPrimary = kamPrimary + " timeout"
				case "503":
					if err := l.primary.SetReply(503, 30); err != nil {
						t.Fatal(err)
					}
					wantPrimary = kamPrimary + " 503"
				}
				code, words, took := l.send(t, sip.OPTIONS)
				if want := []string{wantPrimary, kamBackup + " 200"}; code != 200 || !slices.Equal(words, want) {
					t.Fatalf("OPTIONS after the failure: %d %q, want %q", code, words, want)
				}
				t.Logf("%s %s: OPTIONS answered by the backup %.1f ms after it was sent", transport, failure, ms(took))
				code, words, took = l.send(t, sip.INVITE)
				if want := []string{kamBackup + " 486"}; code != 486 || !slices.Equal(words, want) {
					t.Fatalf("INVITE after the failure: %d %q, want %q (the primary skipped)", code, words, want)
				}
				t.Logf("%s %s: INVITE answered 486 by the backup in %.1f ms, the primary skipped", transport, failure, ms(took))

				switch failure {
				case "kill":
					l.primary.Restart(t)
				case "pause":
					l.primary.Resume()
				case "503":
					if err := l.primary.SetReply(0, 0); err != nil {
						t.Fatal(err)
					}
				}
				if _, words, _ := l.send(t, sip.OPTIONS); words[0] != kamBackup+" 200" {
					t.Errorf("back, but still held: %q, want the backup", words)
				}
				l.f.clock.Advance(failover.DefaultMaxHold)
				if code, words, _ := l.send(t, sip.OPTIONS); code != 200 || words[0] != kamPrimary+" 200" {
					t.Errorf("after the hold: %d %q, want the primary again", code, words)
				}
			})
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
