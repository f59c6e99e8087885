package sipsend_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/registrar"
	"github.com/siplocate/siplocate/sipsend"
)

func TestPrimaryAnswers(t *testing.T) {
	_, p := startRegistrar(t, "udp", "127.0.12.1")
	_, b := startRegistrar(t, "udp", "127.0.12.2")
	f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
	res, tr, err := f.options(t, "sip:example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Do = %v, %v; want 200", res, err)
	}
	if got, want := outcomes(tr), []string{p.String() + " 200"}; !slices.Equal(got, want) {
		t.Errorf("attempts = %q, want %q", got, want)
	}
}

// TestFailover: the primary fails in each way that moves on (RFC 3263
// §4.3); the backup answers; the next request skips the primary while the
// health store holds it, and tries it first again once the hold is over.
func TestFailover(t *testing.T) {
	tests := []struct {
		name      string
		transport locate.Transport
		fault     registrar.Fault // played by the primary; FaultNone: its UDP port is closed
		closed    bool
		want      string        // the primary's outcome
		maxHold   time.Duration // the store's MaxHold; 0: the default
		wantHold  time.Duration // 0: the next request tries the primary first again
	}{
		{name: "silent", transport: locate.UDP, fault: registrar.Fault{Kind: registrar.FaultSilent}, want: "timeout", wantHold: failover.DefaultDownFor},
		{name: "ICMP port unreachable", transport: locate.UDP, closed: true, want: "transport-error", wantHold: failover.DefaultDownFor},
		{name: "TCP refused", transport: locate.TCP, fault: registrar.Fault{Kind: registrar.FaultRefuseTCP}, want: "transport-error", wantHold: failover.DefaultDownFor},
		{name: "503 Retry-After 30", transport: locate.UDP, fault: registrar.Fault{Kind: registrar.Fault503, RetryAfter: 30 * time.Second}, want: "503", wantHold: 30 * time.Second},
		{name: "503 Retry-After of a year is capped", transport: locate.UDP, fault: registrar.Fault{Kind: registrar.Fault503, RetryAfter: 365 * 24 * time.Hour}, want: "503", wantHold: failover.DefaultMaxHold},
		{name: "503 Retry-After of a year, MaxHold 90s", transport: locate.UDP, fault: registrar.Fault{Kind: registrar.Fault503, RetryAfter: 365 * 24 * time.Hour}, want: "503", maxHold: 90 * time.Second, wantHold: 90 * time.Second},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ipP, ipB := ip(10+2*i), ip(11+2*i)
			var p = closedUDPPort(t, ipP)
			if !tc.closed {
				var r *registrar.Registrar
				r, p = startRegistrar(t, string(tc.transport), ipP)
				if err := r.SetFault(tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, b := startRegistrar(t, string(tc.transport), ipB)
			f := newFixture(t, srvZone(t, string(tc.transport), p, b), tc.transport)
			f.health.MaxHold = tc.maxHold

			res, tr, err := f.options(t, "sip:example.com")
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("Do = %v, %v; want 200 from the backup", res, err)
			}
			if got, want := outcomes(tr), []string{p.String() + " " + tc.want, b.String() + " 200"}; !slices.Equal(got, want) {
				t.Fatalf("attempts = %q, want %q", got, want)
			}
			_, tr, _ = f.options(t, "sip:example.com")
			if got, want := outcomes(tr), []string{b.String() + " 200"}; !slices.Equal(got, want) {
				t.Errorf("second request: attempts = %q, want the primary skipped: %q", got, want)
			}
			f.clock.Advance(tc.wantHold - time.Second)
			if _, held := f.health.Down(tr.Attempts[0].Target); held {
				t.Error("the backup is held")
			}
			if _, tr, _ = f.options(t, "sip:example.com"); tr.Attempts[0].Target.AddrPort() != b {
				t.Errorf("a second before the hold ends: first attempt to %v, want the backup", tr.Attempts[0].Target)
			}
			f.clock.Advance(time.Second)
			if _, tr, _ = f.options(t, "sip:example.com"); tr.Attempts[0].Target.AddrPort() != p {
				t.Errorf("after the hold: first attempt to %v, want the primary", tr.Attempts[0].Target)
			}
		})
	}
}

// ip returns 127.0.12.n.
func ip(n int) string { return "127.0.12." + itoa(n) }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestUnavailableWithoutRetryAfter: a 503 without Retry-After moves the
// request on but holds nothing.
func TestUnavailableWithoutRetryAfter(t *testing.T) {
	p := responder(t, ip(40), func(req *sip.Request) *sip.Response {
		return sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
	})
	_, b := startRegistrar(t, "udp", ip(41))
	f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
	for range 2 {
		_, tr, err := f.options(t, "sip:example.com")
		if got, want := outcomes(tr), []string{p.String() + " 503", b.String() + " 200"}; err != nil || !slices.Equal(got, want) {
			t.Fatalf("attempts = %q, %v; want %q", got, err, want)
		}
	}
}

// TestNextOn: a 500 ends the search unless the caller says otherwise.
func TestNextOn(t *testing.T) {
	p := responder(t, ip(42), func(req *sip.Request) *sip.Response {
		return sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil)
	})
	_, b := startRegistrar(t, "udp", ip(43))
	f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
	res, _, err := f.options(t, "sip:example.com")
	if err != nil || res.StatusCode != 500 {
		t.Fatalf("Do = %v, %v; want the 500", res, err)
	}
	f.opts.NextOn = func(status int) bool { return status == 500 }
	res, tr, err := f.options(t, "sip:example.com")
	if err != nil || res.StatusCode != 200 || len(tr.Attempts) != 2 {
		t.Fatalf("Do with NextOn = %v, %v, %q; want 200 from the backup", res, err, outcomes(tr))
	}
	if _, held := f.health.Down(tr.Attempts[0].Target); held {
		t.Error("a 500 held the target")
	}
}

// TestAllHeldStillTried: with every target held, they are still tried in
// order, and the error says none answered.
func TestAllHeldStillTried(t *testing.T) {
	p, b := closedUDPPort(t, ip(44)), closedUDPPort(t, ip(45))
	f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
	for range 2 {
		res, tr, err := f.options(t, "sip:example.com")
		if !errors.Is(err, sipsend.ErrNoTarget) || res != nil {
			t.Fatalf("Do = %v, %v; want ErrNoTarget", res, err)
		}
		if got, want := outcomes(tr), []string{p.String() + " transport-error", b.String() + " transport-error"}; !slices.Equal(got, want) {
			t.Fatalf("attempts = %q, want %q", got, want)
		}
	}
}

// TestHostileResponses: responses that are not ours, or broken, are
// dropped with a logged reason, the attempt times out, and the backup
// answers. dropped says whether the response reaches Do (sipgo's parser
// and transaction layer drop some first: without CSeq or Via a response
// matches no transaction).
func TestHostileResponses(t *testing.T) {
	tests := []struct {
		name    string
		mangle  func(*sip.Response)
		dropped bool
	}{
		{name: "wrong Call-ID", mangle: func(r *sip.Response) { r.ReplaceHeader(sip.NewHeader("Call-ID", "not-yours")) }, dropped: true},
		{name: "wrong CSeq", mangle: func(r *sip.Response) { r.CSeq().SeqNo++ }, dropped: true},
		{name: "no CSeq", mangle: func(r *sip.Response) { r.RemoveHeader("CSeq") }},
		{name: "no Call-ID", mangle: func(r *sip.Response) { r.RemoveHeader("Call-ID") }, dropped: true},
		{name: "wrong From tag", mangle: func(r *sip.Response) { r.From().Params.Add("tag", "not-yours") }, dropped: true},
		{name: "no Via", mangle: func(r *sip.Response) { r.RemoveHeader("Via") }},
		{name: "provisional only", mangle: func(r *sip.Response) { r.StatusCode, r.Reason = 180, "Ringing" }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := responder(t, ip(22+2*i), func(req *sip.Request) *sip.Response {
				r := sip.NewResponseFromRequest(req, 200, "OK", nil)
				tc.mangle(r)
				return r
			})
			_, b := startRegistrar(t, "udp", ip(23+2*i))
			f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
			warns := &countHandler{}
			f.opts.Logger = slog.New(warns)
			res, tr, err := f.options(t, "sip:example.com")
			if err != nil || res.StatusCode != 200 || tr.Attempts[len(tr.Attempts)-1].Target.AddrPort() != b {
				t.Fatalf("Do = %v, %v, %q; want 200 from the backup", res, err, outcomes(tr))
			}
			if got := tr.Attempts[0].Outcome; got != failover.TimedOut {
				t.Errorf("the hostile primary's outcome %v, want timeout", got)
			}
			if reason := strings.Contains(fmt.Sprint(tr.Attempts[0].Err), "(dropped: "); reason != tc.dropped || (warns.n.Load() > 0) != tc.dropped {
				t.Errorf("attempt error %q, %d warnings; want the drop's reason in both: %v", tr.Attempts[0].Err, warns.n.Load(), tc.dropped)
			}
		})
	}
}

// countHandler counts the records of level Warn and above it is given.
type countHandler struct{ n atomic.Int64 }

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.n.Add(1)
	}
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }

// TestRedirectNotFollowed: a 3xx is a final response that ends the search
// (RFC 3263 §4.3 moves on only for a failure); Do returns it and never
// follows its Contact, so a server redirecting to itself, or two servers
// redirecting to each other, cost one attempt, never a loop.
func TestRedirectNotFollowed(t *testing.T) {
	p := responder(t, ip(36), func(req *sip.Request) *sip.Response {
		r := sip.NewResponseFromRequest(req, 302, "Moved Temporarily", nil)
		r.AppendHeader(sip.NewHeader("Contact", "<"+req.Recipient.String()+">")) // to itself: the URI locates here
		return r
	})
	_, b := startRegistrar(t, "udp", ip(37))
	f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
	for range 3 {
		res, tr, err := f.options(t, "sip:example.com")
		if err != nil || res.StatusCode != 302 {
			t.Fatalf("Do = %v, %v; want the 302", res, err)
		}
		if got, want := outcomes(tr), []string{p.String() + " 302"}; !slices.Equal(got, want) {
			t.Errorf("attempts = %q, want %q", got, want)
		}
	}
	if _, held := f.health.Down(locate.Target{Transport: locate.UDP, Addr: p.Addr(), Port: p.Port()}); held {
		t.Error("a 302 held the target")
	}
}

// TestSameCallIDNewBranch: every attempt of a request has its Call-ID and
// CSeq, and a branch of its own.
func TestSameCallIDNewBranch(t *testing.T) {
	seen := make(chan *sip.Request, 4)
	p := responder(t, ip(60), func(req *sip.Request) *sip.Response {
		seen <- req
		return sip.NewResponseFromRequest(req, 503, "Busy", nil)
	})
	q := responder(t, ip(61), func(req *sip.Request) *sip.Response {
		seen <- req
		return sip.NewResponseFromRequest(req, 200, "OK", nil)
	})
	f := newFixture(t, srvZone(t, "udp", p, q), locate.UDP)
	if _, _, err := f.options(t, "sip:example.com"); err != nil {
		t.Fatal(err)
	}
	a, b := <-seen, <-seen
	if a.CallID().Value() != b.CallID().Value() || a.CSeq().Value() != b.CSeq().Value() {
		t.Errorf("Call-ID/CSeq differ: %s %s / %s %s", a.CallID().Value(), a.CSeq().Value(), b.CallID().Value(), b.CSeq().Value())
	}
	ba, _ := a.Via().Params.Get("branch")
	bb, _ := b.Via().Params.Get("branch")
	if ba == bb || len(a.GetHeaders("Via")) != 1 {
		t.Errorf("branches %q, %q, %d Via; want two branches, one Via each", ba, bb, len(a.GetHeaders("Via")))
	}
}

// failLocator fails the test if anything is located.
type failLocator struct{ t testing.TB }

func (l failLocator) Locate(context.Context, string, locate.Options) (*locate.Result, error) {
	l.t.Error("an in-dialog request was located")
	return &locate.Result{}, errors.New("not located")
}

// TestInDialogNotRelocated: a request with a To tag goes once, to its
// route set's top Route, without a locate (RFC 3261 §12.2).
func TestInDialogNotRelocated(t *testing.T) {
	_, p := startRegistrar(t, "udp", ip(62))
	f := newFixture(t, nil, locate.UDP)
	f.opts.Locator = failLocator{t}
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", User: "bob", Host: "example.com"})
	to := &sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "bob", Host: "example.com"}}
	to.Params.Add("tag", "dialog-tag")
	req.AppendHeader(to)
	req.AppendHeader(sip.NewHeader("Route", "<sip:"+p.String()+";lr>"))
	res, tr, err := sipsend.Do(context.Background(), f.client, req, f.opts)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Do = %v, %v; want 200", res, err)
	}
	if !tr.InDialog || len(tr.Attempts) != 1 {
		t.Errorf("trace = %+v, want one in-dialog attempt", tr)
	}
}

// recordLocator records what it is asked to locate.
type recordLocator struct {
	asked []string
	next  sipsend.Locator
}

func (l *recordLocator) Locate(ctx context.Context, uri string, opts locate.Options) (*locate.Result, error) {
	l.asked = append(l.asked, uri)
	return l.next.Locate(ctx, uri, opts)
}

// TestNextHop: the top Route is located, else the outbound proxy, else
// the Request-URI (RFC 3261 §8.1.2).
func TestNextHop(t *testing.T) {
	_, p := startRegistrar(t, "udp", ip(63))
	tests := []struct {
		name     string
		route    string
		outbound string
		want     string
	}{
		{name: "Request-URI", want: "sip:bob@example.com"},
		{name: "outbound proxy", outbound: "sip:proxy.example.com", want: "sip:proxy.example.com"},
		{name: "top Route", route: "<sip:edge.example.com;lr>, <sip:core.example.com;lr>", outbound: "sip:proxy.example.com", want: "sip:edge.example.com;lr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, srvZone(t, "udp", p), locate.UDP)
			rec := &recordLocator{next: &locate.Locator{Resolver: srvZone(t, "udp", p)}}
			f.opts.Locator, f.opts.OutboundProxy = rec, tc.outbound
			f.opts.Locate = locate.Options{Mode: locate.ModeStatic, PrimaryIP: p.String()}
			req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", User: "bob", Host: "example.com"})
			if tc.route != "" {
				req.AppendHeader(sip.NewHeader("Route", tc.route))
			}
			if _, _, err := sipsend.Do(context.Background(), f.client, req, f.opts); err != nil {
				t.Fatal(err)
			}
			if len(rec.asked) != 1 || rec.asked[0] != tc.want {
				t.Errorf("located %q, want %q", rec.asked, tc.want)
			}
		})
	}
}

// TestRegisteredFirst: with Options.Registered (server affinity) the
// account's server is tried first, even when it is the backup and the
// primary answers.
func TestRegisteredFirst(t *testing.T) {
	_, p := startRegistrar(t, "udp", ip(64))
	_, b := startRegistrar(t, "udp", ip(65))
	f := newFixture(t, srvZone(t, "udp", p, b), locate.UDP)
	f.opts.Registered = &locate.Target{Transport: locate.UDP, Addr: b.Addr(), Port: b.Port()}
	res, tr, err := f.options(t, "sip:example.com")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("Do = %v, %v", res, err)
	}
	if got, want := outcomes(tr), []string{b.String() + " 200"}; !slices.Equal(got, want) {
		t.Errorf("attempts = %q, want the registered server first: %q", got, want)
	}
}

// TestNoGoroutineLeft: requests that time out, meet a closed port or get
// hostile answers leave no goroutine behind: after 20 more of them the
// count is where it was after the first 5 (sipgo's readers, one per
// connected socket, stay; transactions end with their attempts).
func TestNoGoroutineLeft(t *testing.T) {
	silent, s := startRegistrar(t, "udp", ip(66))
	if err := silent.SetFault(registrar.Fault{Kind: registrar.FaultSilent}); err != nil {
		t.Fatal(err)
	}
	hostile := responder(t, ip(67), func(req *sip.Request) *sip.Response {
		r := sip.NewResponseFromRequest(req, 200, "OK", nil)
		r.ReplaceHeader(sip.NewHeader("Call-ID", "not-yours"))
		return r
	})
	_, b := startRegistrar(t, "udp", ip(68))
	f := newFixture(t, srvZone(t, "udp", s, closedUDPPort(t, ip(69)), hostile, b), locate.UDP)
	f.opts.AttemptTimeout = 50 * time.Millisecond
	send := func(n int) {
		for range n {
			f.health = nil
			f.opts.Health = nil // every request meets every failure
			if res, _, err := f.options(t, "sip:example.com"); err != nil || res.StatusCode != 200 {
				t.Fatalf("Do = %v, %v", res, err)
			}
		}
	}
	send(5)
	before := runtime.NumGoroutine()
	send(20)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // sipgo ends a terminated transaction's goroutines asynchronously
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after 20 more requests, %d before", after, before)
	}
}
