package sipsend_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/registrar"
	"github.com/siplocate/siplocate/sipsend"
)

// overheadAddr is where the measurement's registrar listens, in a process
// of its own so that the CPU measured is the client's alone.
const overheadAddr = "127.0.12.96:5060"

// TestOverheadRegistrar is the registrar process of TestMeasureOverhead:
// the test binary runs itself with SIPSEND_OVERHEAD_REGISTRAR set. It
// serves until it is stopped (by PID), at most ten minutes.
func TestOverheadRegistrar(t *testing.T) {
	addr := os.Getenv("SIPSEND_OVERHEAD_REGISTRAR")
	if addr == "" {
		t.Skip("the registrar process of TestMeasureOverhead")
	}
	r, err := registrar.New(registrar.Config{NoAuth: true,
		Listen: []registrar.Listen{{Network: "udp", Addr: addr}, {Network: "tcp", Addr: addr}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	time.Sleep(10 * time.Minute)
}

// TestMeasureOverhead measures, for docs/benchmarks.md, the client's CPU
// per OPTIONS when nothing fails: plain sipgo (client.Do to the address)
// against sipsend.Do in static mode and through a cached SRV record, the
// registrar in another process. Rounds interleave the three (the order
// rotating), each arm overheadN requests after a GC, CPU from getrusage;
// each round's ratio to the sipgo arm of the same round is one sample.
// SIPLOCATE_MEASURE=1 go test -count=1 -run TestMeasureOverhead -v ./sipsend/
// It asserts no timing.
func TestMeasureOverhead(t *testing.T) {
	if os.Getenv("SIPLOCATE_MEASURE") == "" {
		t.Skip("set SIPLOCATE_MEASURE=1 to measure")
	}
	t.Setenv("SIPSEND_OVERHEAD_REGISTRAR", overheadAddr)
	p := testenv.Start(t, os.Args[0], "-test.run=^TestOverheadRegistrar$", "-test.timeout=11m")
	testenv.WaitFor(t, p, 10*time.Second, testenv.TCPListening(overheadAddr))
	addr := netip.MustParseAddrPort(overheadAddr)
	arms := overheadArms(t, addr)
	const rounds, n = 21, 2000
	cpu := make([][]float64, len(arms)) // ns per request, by arm, by round
	for r := range rounds {
		for i := range arms {
			a := (i + r) % len(arms)
			cpu[a] = append(cpu[a], arms[a].measure(t, n))
		}
	}
	for a, arm := range arms {
		line := fmt.Sprintf("%-24s cpu-ns/op median %7.0f (min %7.0f, max %7.0f)", arm.name, median(cpu[a]), slices.Min(cpu[a]), slices.Max(cpu[a]))
		if a > 0 {
			ratios := make([]float64, rounds)
			for r := range rounds {
				ratios[r] = cpu[a][r] / cpu[0][r]
			}
			q1, q2, q3 := quartiles(ratios)
			line += fmt.Sprintf("; ratio to sipgo median %.3f (quartiles %.3f-%.3f, min %.3f, max %.3f)", q2, q1, q3, slices.Min(ratios), slices.Max(ratios))
		}
		t.Log(line)
	}
	t.Logf("%d rounds of %d requests per arm, GOMAXPROCS %d", rounds, n, runtime.GOMAXPROCS(0))
}

// overheadArm is one way of sending an OPTIONS.
type overheadArm struct {
	name string
	send func(context.Context, *sip.Request) (*sip.Response, error)
}

// measure sends n requests after a warm-up and a GC and returns the
// process's CPU per request in nanoseconds.
func (a overheadArm) measure(t *testing.T, n int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	uri := sip.Uri{Scheme: "sip", Host: "example.com"}
	for range 100 {
		a.mustSend(t, ctx, uri)
	}
	runtime.GC()
	start := cpuTime()
	for range n {
		a.mustSend(t, ctx, uri)
	}
	return float64(cpuTime()-start) / float64(n)
}

func (a overheadArm) mustSend(t *testing.T, ctx context.Context, uri sip.Uri) {
	res, err := a.send(ctx, sip.NewRequest(sip.OPTIONS, uri))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("%s: %v, %v", a.name, res, err)
	}
}

// overheadArms returns plain sipgo first, then sipsend static and SRV,
// and static again on sipgo's own UDP socket (what the connected sockets
// cost apart from the rest).
func overheadArms(t *testing.T, addr netip.AddrPort) []overheadArm {
	plain := newClient(t)
	arms := []overheadArm{{name: "sipgo", send: func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
		req.SetDestination(addr.String())
		return plain.Do(ctx, req)
	}}}
	zone := cachedSRV(t, srvMemServer(addr))
	static := locate.Options{Mode: locate.ModeStatic, PrimaryIP: addr.String(), NoTrace: true}
	for _, tc := range []struct {
		name     string
		opts     locate.Options
		sipgoUDP bool // sipgo's own UDP socket, not a connected one
	}{
		{name: "sipsend-static", opts: static},
		{name: "sipsend-srv", opts: locate.Options{Mode: locate.ModeSRV, Transports: []locate.Transport{locate.UDP}, NoTrace: true}},
		{name: "sipsend-static-sipgo-udp", opts: static, sipgoUDP: true},
	} {
		f := newFixture(t, nil, locate.UDP)
		f.opts.Locator = &locate.Locator{Resolver: zone}
		f.opts.Locate, f.opts.AttemptTimeout = tc.opts, 0
		if tc.sipgoUDP {
			f.opts.UDP = nil
		}
		arms = append(arms, overheadArm{name: tc.name, send: func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
			res, _, err := sipsend.Do(ctx, f.client, req, f.opts)
			return res, err
		}})
	}
	return arms
}

func median(xs []float64) float64 {
	_, m, _ := quartiles(xs)
	return m
}

// quartiles returns the first, second and third quartiles of xs (nearest
// rank).
func quartiles(xs []float64) (q1, q2, q3 float64) {
	s := slices.Sorted(slices.Values(xs))
	at := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.25), at(0.5), at(0.75)
}
