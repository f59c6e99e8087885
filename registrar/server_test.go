package registrar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// startTestRegistrar starts a registrar on UDP and TCP 127.0.0.1:0 with
// user alice and stops it at cleanup. Events go to the returned channel.
func startTestRegistrar(t *testing.T, cfg Config) (*Registrar, chan Event) {
	t.Helper()
	events := make(chan Event, 100)
	cfg.Listen = []Listen{{Network: "udp", Addr: "127.0.0.1:0"}, {Network: "tcp", Addr: "127.0.0.1:0"}}
	if cfg.Users == nil {
		cfg.Users = Users{"alice": "secret"}
	}
	cfg.OnEvent = func(e Event) {
		select {
		case events <- e:
		default:
		}
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r, events
}

// addrOf returns the bound address of network.
func addrOf(t *testing.T, r *Registrar, network string) string {
	t.Helper()
	for _, l := range r.Addrs() {
		if l.Network == network {
			return l.Addr
		}
	}
	t.Fatalf("no %s address in %v", network, r.Addrs())
	return ""
}

// TestServeSipgoClient registers with sipgo's client over UDP and TCP:
// 401, then 200 with the digest.
func TestServeSipgoClient(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{})
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(slog.New(slog.DiscardHandler))),
				sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(slog.New(slog.DiscardHandler))))
			if err != nil {
				t.Fatal(err)
			}
			defer ua.Close()
			client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				t.Fatal(err)
			}
			var target sip.Uri
			if err := sip.ParseUri(fmt.Sprintf("sip:%s;transport=%s", addrOf(t, r, network), network), &target); err != nil {
				t.Fatal(err)
			}
			req := sip.NewRequest(sip.REGISTER, target)
			req.AppendHeader(sip.NewHeader("To", "<sip:alice@example.org>"))
			req.AppendHeader(sip.NewHeader("From", "<sip:alice@example.org>;tag=t1"))
			req.AppendHeader(sip.NewHeader("Contact", "<sip:alice@127.0.0.1:5099;transport="+network+">"))
			req.AppendHeader(sip.NewHeader("Expires", "120"))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := client.Do(ctx, req)
			if err != nil || res.StatusCode != 401 {
				t.Fatalf("REGISTER: %v %v, want 401", res, err)
			}
			res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "alice", Password: "secret"})
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("REGISTER with digest: %v %v, want 200", res, err)
			}
			want := "<sip:alice@127.0.0.1:5099;transport=" + network + ">;expires=120"
			if c := contactsOf(res); !slices.Contains(c, want) {
				t.Errorf("contacts %q, want %q among them", c, want)
			}
		})
	}
	if n := len(r.Bindings()); n != 2 {
		t.Errorf("%d bindings, want 2: %v", n, r.Bindings())
	}
}

// exchangeUDP sends an OPTIONS from conn and returns the status of the
// answer, 0 when none came within wait.
func exchangeUDP(t *testing.T, conn net.Conn, wait time.Duration) (int, error) {
	t.Helper()
	local := conn.LocalAddr().String()
	msg := strings.Replace(request("OPTIONS"), "127.0.0.1:5062;branch=z9hG4bK-1", local+";branch=z9hG4bK-"+fmt.Sprint(time.Now().UnixNano()), 1)
	if _, err := conn.Write([]byte(msg)); err != nil {
		return 0, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		return 0, err
	}
	res, err := sip.ParseMessage(buf[:n])
	if err != nil {
		return 0, err
	}
	return res.(*sip.Response).StatusCode, nil
}

func TestFaultSilentOverUDP(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{})
	conn, err := net.Dial("udp", addrOf(t, r, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if code, err := exchangeUDP(t, conn, 5*time.Second); code != 200 {
		t.Fatalf("before the fault: %d %v, want 200", code, err)
	}
	_ = r.SetFault(Fault{Kind: FaultSilent})
	var ne net.Error
	if code, err := exchangeUDP(t, conn, 300*time.Millisecond); code != 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("silent: %d %v, want a read timeout", code, err)
	}
	_ = r.SetFault(Fault{})
	if code, err := exchangeUDP(t, conn, 5*time.Second); code != 200 {
		t.Fatalf("after the fault: %d %v, want 200", code, err)
	}
	if s := r.Stats(); s.Dropped != 1 || s.Malformed != 0 {
		t.Errorf("stats %+v, want one drop, not malformed", s)
	}
}

func TestFaultRefuseTCP(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{})
	addr := addrOf(t, r, "tcp")
	held, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := r.SetFault(Fault{Kind: FaultRefuseTCP}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while refusing: %v, want connection refused", err)
	}
	_ = held.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := held.Read(make([]byte, 1)); err == nil {
		t.Errorf("held connection still open")
	}
	if err := r.SetFault(Fault{}); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial after the fault: %v", err)
	}
	defer conn.Close()
	if code, err := exchangeUDP(t, conn, 5*time.Second); code != 200 {
		t.Fatalf("OPTIONS over TCP after the fault: %d %v, want 200", code, err)
	}
}

// TestStopStart checks that Stop closes the sockets (ICMP port unreachable
// for UDP, refused TCP) and that Start again keeps the bindings.
func TestStopStart(t *testing.T) {
	r, _ := startTestRegistrar(t, Config{NoAuth: true, Users: Users{}})
	udpAddr, tcpAddr := addrOf(t, r, "udp"), addrOf(t, r, "tcp")
	r.respond(parseRequest(t, reg{}.text()), testSource)
	if err := r.Start(); !errors.Is(err, ErrRunning) {
		t.Errorf("second Start: %v, want ErrRunning", err)
	}
	if err := r.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := r.Stop(); !errors.Is(err, ErrStopped) {
		t.Errorf("second Stop: %v, want ErrStopped", err)
	}
	conn, err := net.Dial("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := exchangeUDP(t, conn, 5*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("UDP after Stop: %v, want connection refused (ICMP port unreachable)", err)
	}
	if _, err := net.Dial("tcp", tcpAddr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("TCP after Stop: %v, want connection refused", err)
	}
	if err := r.Start(); err != nil {
		t.Fatalf("Start again: %v", err)
	}
	if n := len(r.Bindings()); n != 1 {
		t.Errorf("%d bindings after restart, want 1", n)
	}
}

func TestMalformedDatagramCounted(t *testing.T) {
	r, events := startTestRegistrar(t, Config{})
	conn, err := net.Dial("udp", addrOf(t, r, "udp"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(request("REGISTER", "Call-ID"))); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if e.Kind != EventDropped || e.Reason != "malformed: no Call-ID header" || e.Method != "REGISTER" {
			t.Errorf("event %v, want a malformed drop", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	if s := r.Stats(); s.Malformed != 1 {
		t.Errorf("stats %+v, want one malformed", s)
	}
}

func TestStartBadAddress(t *testing.T) {
	held, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	r, err := New(Config{NoAuth: true, Listen: []Listen{{Network: "tcp", Addr: "127.0.0.1:0"}, {Network: "udp", Addr: held.LocalAddr().String()}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err == nil || !strings.Contains(err.Error(), "start registrar on udp:") {
		t.Fatalf("Start on a taken port: %v, want an error naming it", err)
	}
	if r.Addrs() != nil {
		t.Errorf("Addrs %v after a failed Start, want nil", r.Addrs())
	}
}

// TestMalformedOverTCP checks that a TCP request sipgo parses but that
// lacks a header every request needs is dropped with its reason.
func TestMalformedOverTCP(t *testing.T) {
	r, events := startTestRegistrar(t, Config{})
	conn, err := net.Dial("tcp", addrOf(t, r, "tcp"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(strings.Replace(request("REGISTER", "From"), "SIP/2.0/UDP", "SIP/2.0/TCP", 1))); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if e.Kind != EventDropped || e.Reason != "malformed: no From header" || !strings.HasPrefix(e.Source, "tcp:127.0.0.1:") {
			t.Errorf("event %v, want a malformed drop from tcp", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	if s := r.Stats(); s.Malformed != 1 {
		t.Errorf("stats %+v, want one malformed", s)
	}
}
