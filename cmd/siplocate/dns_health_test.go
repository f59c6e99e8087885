package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/registrar"
)

func TestDNSServeHealthFlags(t *testing.T) {
	base := serveFlags{zones: []string{"z"}, listen: ":53", health: true, healthInterval: time.Second, healthFall: 3, healthRise: 2, healthMode: "demote"}
	cfg, err := base.config()
	if err != nil || cfg.HealthInterval != time.Second || cfg.HealthFall != 3 || cfg.HealthRise != 2 || cfg.HealthMode != "demote" {
		t.Errorf("config %+v, %v", cfg, err)
	}
	for name, change := range map[string]func(f *serveFlags){
		"--health-mode":     func(f *serveFlags) { f.healthMode = "drop" },
		"--health-interval": func(f *serveFlags) { f.healthInterval = 0 },
		"--health-fall":     func(f *serveFlags) { f.healthFall = 0 },
	} {
		f := base
		change(&f)
		if _, err := f.config(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s out of range: %v", name, err)
		}
	}
}

// healthZone has two SIP UDP targets on loopback: sip1 at .13, sip2 at .12.
const healthZone = `$ORIGIN example.com.
$TTL 3600
@ IN SOA ns1 hostmaster 1 3600 900 604800 300
@ IN NS ns1
ns1 IN A 127.0.15.53
_sip._udp IN SRV 10 50 5060 sip1
_sip._udp IN SRV 10 50 5060 sip2
sip1 IN A 127.0.15.13
sip2 IN A 127.0.15.12
`

// TestDNSServeHealthInterop asks our server for the SRV records while the
// registrar behind sip1 is stopped (a closed port) or silent (SIGSTOP's
// effect) and brought back: the answer loses sip1 within interval × fall
// + 1 s and gets it back within interval × rise + 1 s (issue 12).
func TestDNSServeHealthInterop(t *testing.T) {
	const interval, fall, rise = 200 * time.Millisecond, 3, 2
	regs := map[string]*registrar.Registrar{}
	for _, ip := range []string{"127.0.15.13", "127.0.15.12"} {
		l, err := registrar.ParseListen("udp:" + ip + ":5060")
		if err != nil {
			t.Fatal(err)
		}
		r, err := registrar.New(registrar.Config{Listen: []registrar.Listen{l}, NoAuth: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(); err != nil {
			t.Skipf("registrar on %s: %v", ip, err)
		}
		t.Cleanup(func() { _ = r.Stop() })
		regs[ip] = r
	}
	zone := filepath.Join(t.TempDir(), "example.com.zone")
	writeFile(t, zone, healthZone)
	addr := startHealthDNS(t, zone, interval, fall, rise)

	down, up := interval*fall+time.Second, interval*rise+time.Second
	waitTargets(t, addr, []string{"sip1.example.com.", "sip2.example.com."}, up)
	sip1 := regs["127.0.15.13"]
	for _, fault := range []string{"stopped", "silent"} {
		t.Run(fault, func(t *testing.T) {
			if fault == "stopped" {
				_ = sip1.Stop()
			} else {
				_ = sip1.SetFault(registrar.Fault{Kind: registrar.FaultSilent})
			}
			waitTargets(t, addr, []string{"sip2.example.com."}, down)
			if fault == "stopped" {
				if err := sip1.Start(); err != nil {
					t.Fatal(err)
				}
			} else {
				_ = sip1.SetFault(registrar.Fault{})
			}
			waitTargets(t, addr, []string{"sip1.example.com.", "sip2.example.com."}, up)
		})
	}
}

// startHealthDNS runs `dns serve --health-check` on 127.0.15.53 and
// returns its address; it stops with the test.
func startHealthDNS(t *testing.T, zone string, interval time.Duration, fall, rise int) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &notifyingBuffer{wrote: make(chan struct{}, 1)}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"dns", "serve", "--zone", zone, "--listen", "127.0.15.53:0", "--reload-interval", "0", "--health-check",
			"--health-interval", interval.String(), "--health-fall", fmt.Sprint(fall), "--health-rise", fmt.Sprint(rise)}, stdout, &stderr)
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-stdout.wrote:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no serving line within 10 s")
	}
	m := regexp.MustCompile(`on (127\.0\.15\.53:\d+) \(udp\+tcp\)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("serving line %q", stdout.String())
	}
	return m[1]
}

// waitTargets asks addr for _sip._udp.example.com. SRV until its targets
// are want, for at most within.
func waitTargets(t *testing.T, addr string, want []string, within time.Duration) {
	t.Helper()
	start := time.Now()
	var got []string
	for time.Since(start) < within {
		got = srvTargets(addr)
		if slices.Equal(got, want) {
			t.Logf("targets %v after %s", want, time.Since(start).Round(time.Millisecond))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("targets %v after %s, want %v", got, within, want)
}

func srvTargets(addr string) []string {
	r, err := dns.Exchange(new(dns.Msg).SetQuestion("_sip._udp.example.com.", dns.TypeSRV), addr)
	if err != nil {
		return nil
	}
	var out []string
	for _, rr := range r.Answer {
		if srv, ok := rr.(*dns.SRV); ok {
			out = append(out, srv.Target)
		}
	}
	slices.Sort(out)
	return out
}

// TestHealthProberBadAnswers: a target that answers OPTIONS with garbage,
// with a huge datagram that is no SIP message, or too slowly is down, by
// the probe's deadline (issue 12, "Bad input").
func TestHealthProberBadAnswers(t *testing.T) {
	p := newHealthProber()
	for name, answer := range map[string]func(c net.PacketConn, from net.Addr){
		"garbage": func(c net.PacketConn, from net.Addr) { _, _ = c.WriteTo([]byte("\x00\xffSIP/2.0 2\r\n\x1b[2J"), from) },
		"huge":    func(c net.PacketConn, from net.Addr) { _, _ = c.WriteTo(bytes.Repeat([]byte("x"), 60000), from) },
		"slow":    func(c net.PacketConn, from net.Addr) {}, // never in time
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.ListenPacket("udp", "127.0.15.14:0")
			if err != nil {
				t.Skip(err)
			}
			defer c.Close()
			go func() {
				buf := make([]byte, 65535)
				for range 100 { // bounded: a probe retransmits a few times at most
					_, from, err := c.ReadFrom(buf)
					if err != nil {
						return
					}
					answer(c, from)
				}
			}()
			port := c.LocalAddr().(*net.UDPAddr).Port
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			outcome, err := p.probe(ctx, dnsserver.HealthTarget{Transport: "udp", Host: "bad.example.com.", Port: uint16(port),
				Addrs: []netip.Addr{netip.MustParseAddr("127.0.15.14")}, Domain: "example.com."})
			if err == nil {
				t.Errorf("probe: %q, nil error; want down", outcome)
			}
			t.Logf("outcome %q, err %v", outcome, err)
		})
	}
}
