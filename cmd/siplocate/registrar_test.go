package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for a command writing while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRegistrarBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(good, []byte("alice:secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("# users\nalice secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "no users", args: []string{}, wantCode: 2, wantErr: "--users FILE is required"},
		{name: "bad users file", args: []string{"--users", bad}, wantCode: 2, wantErr: "bad.txt:2: want user:password, found no colon"},
		{name: "missing users file", args: []string{"--users", filepath.Join(dir, "none")}, wantCode: 2, wantErr: "no such file"},
		{name: "bad listen", args: []string{"--no-auth", "--listen", "sctp:127.0.4.30:5060"}, wantCode: 2, wantErr: `--listen "sctp:127.0.4.30:5060": want HOST:PORT`},
		{name: "bad fault", args: []string{"--no-auth", "--fault", "explode"}, wantCode: 2, wantErr: "--fault: parse fault"},
		{name: "bad usr2 fault", args: []string{"--no-auth", "--usr2-fault", "503:x"}, wantCode: 2, wantErr: "--usr2-fault"},
		{name: "zero min expires", args: []string{"--no-auth", "--min-expires", "0s"}, wantCode: 2, wantErr: "at least 1s"},
		{name: "zero max contacts", args: []string{"--no-auth", "--max-contacts", "0"}, wantCode: 2, wantErr: "--max-contacts"},
		{name: "zero tcp idle timeout", args: []string{"--no-auth", "--tcp-idle-timeout", "0"}, wantCode: 2, wantErr: "--tcp-idle-timeout"},
		{name: "negative tcp max conns", args: []string{"--no-auth", "--tcp-max-conns", "-1"}, wantCode: 2, wantErr: "--tcp-max-conns at least 0"},
		{name: "bad algorithm", args: []string{"--users", good, "--algorithms", "SHA-1"}, wantCode: 2, wantErr: `digest algorithm "SHA-1"`},
		{name: "argument", args: []string{"--no-auth", "extra"}, wantCode: 2, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr lockedBuffer
			code := run(context.Background(), append([]string{"registrar"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestRegistrarPortTaken(t *testing.T) {
	held, err := net.ListenPacket("udp", "127.0.4.31:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var stdout, stderr lockedBuffer
	code := run(context.Background(), []string{"registrar", "--no-auth", "--listen", "udp:" + held.LocalAddr().String()}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("exit %d, stderr %q; want 1 and address already in use", code, stderr.String())
	}
}

// sipOptions sends an OPTIONS over UDP to addr and returns the first line
// of the answer.
func sipOptions(addr string) (string, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%d\r\nFrom: <sip:t@lab>;tag=1\r\nTo: <sip:t@lab>\r\nCall-ID: o%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		addr, c.LocalAddr(), time.Now().UnixNano(), time.Now().UnixNano())
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	return line, nil
}

// waitOutput waits, at most 5 s, until out contains want.
func waitOutput(t *testing.T, out *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q after 5 s:\n%s", want, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRegistrarServes runs the command, registers through it, asks for the
// bindings with SIGUSR1, toggles the fault with SIGUSR2 and stops it.
func TestRegistrarServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"registrar", "--no-auth", "--listen", "udp:127.0.4.30:0", "--usr2-fault", "503:9"}, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	})
	waitOutput(t, &stdout, "registrar: listening on [udp:127.0.4.30:")
	_, rest, _ := strings.Cut(stdout.String(), "[udp:")
	addr, _, _ := strings.Cut(rest, "]")

	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := fmt.Sprintf("REGISTER sip:lab SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-r1\r\nFrom: <sip:alice@lab>;tag=1\r\nTo: <sip:alice@lab>\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@%s>\r\nExpires: 120\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", c.LocalAddr(), c.LocalAddr())
	if _, err := c.Write([]byte(reg)); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, &stdout, "registered aor=sip:alice@lab contact=sip:alice@"+c.LocalAddr().String()+" expires=120")
	waitOutput(t, &stdout, "answered method=REGISTER status=200")

	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, &stdout, "bindings: 1\n  sip:alice@lab sip:alice@"+c.LocalAddr().String())
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, &stdout, "registrar: fault 503:9")
	if line, err := sipOptions(addr); line != "SIP/2.0 503 Service Unavailable" {
		t.Errorf("OPTIONS during the fault: %q %v, want 503", line, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d, want 0; stderr %s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("registrar did not stop within 5 s")
	}
}

// TestRegistrarJSON checks that --json keeps stdout to JSON lines, one per
// event, with the status line on stderr.
func TestRegistrarJSON(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"registrar", "--no-auth", "--json", "--listen", "udp:127.0.4.32:0"}, &stdout, &stderr)
	}()
	waitOutput(t, &stderr, "registrar: listening on [udp:127.0.4.32:")
	_, rest, _ := strings.Cut(stderr.String(), "[udp:")
	addr, _, _ := strings.Cut(rest, "]")
	if line, err := sipOptions(addr); line != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS: %q %v", line, err)
	}
	waitOutput(t, &stdout, "\n")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var e struct {
		Version                       *int
		Event, Method, Source, Reason string
		Status                        int
		Time                          time.Time
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout.String())), &e); err != nil {
		t.Fatalf("stdout %q: %v", stdout.String(), err)
	}
	if e.Version == nil || *e.Version != 0 { // one JSON family (issue 9 item 9)
		t.Errorf("no \"version\": 0 in %s", stdout.String())
	}
	if e.Event != "answered" || e.Method != "OPTIONS" || e.Status != 200 || e.Reason != "OK" || !strings.HasPrefix(e.Source, "udp:127.0.0.1:") || e.Time.IsZero() {
		t.Errorf("event %+v, want OPTIONS answered 200 from udp:127.0.0.1", e)
	}
}

// TestRegistrarEscapesControlCharacters registers a Contact holding an ESC
// (issue 8 item 8): neither the timeline, nor the bindings SIGUSR1 prints,
// nor the -v log may carry it raw.
func TestRegistrarEscapesControlCharacters(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"registrar", "-v", "--no-auth", "--listen", "udp:127.0.8.1:0"}, &stdout, &stderr)
	}()
	waitOutput(t, &stdout, "registrar: listening on [udp:127.0.8.1:")
	_, rest, _ := strings.Cut(stdout.String(), "[udp:")
	addr, _, _ := strings.Cut(rest, "]")
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 8, 2)}, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := fmt.Sprintf("REGISTER sip:lab SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-e1\r\nFrom: <sip:alice@lab>;tag=1\r\nTo: <sip:alice@lab>\r\nCall-ID: e1\r\nCSeq: 1 REGISTER\r\nContact: <sip:al\x1bcice@%s>\r\nExpires: 120\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", c.LocalAddr(), c.LocalAddr())
	if _, err := c.Write([]byte(reg)); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, &stdout, `contact="sip:al\x1bcice@`)
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, &stdout, "bindings: 1\n  sip:alice@lab \"sip:al\\x1bcice@")
	cancel()
	<-done
	for name, s := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.ContainsRune(s, 0x1b) {
			t.Errorf("%s holds a raw ESC:\n%q", name, s)
		}
	}
}

// TestRegistrarListen: --listen takes HOST:PORT, as dns serve's does, and
// serves UDP and TCP there (--transport narrows it); the udp:HOST:PORT
// and tcp:HOST:PORT it took before still work, with a warning (issue 14).
func TestRegistrarListen(t *testing.T) {
	tests := []struct {
		name       string
		listen     []string
		transports []string
		want       string
		wantLegacy bool
		wantErr    string
	}{
		{name: "host:port", listen: []string{"127.0.18.1:5060"}, want: "[udp:127.0.18.1:5060 tcp:127.0.18.1:5060]"},
		{name: "udp only", listen: []string{"127.0.18.1:5060", "[::1]:5070"}, transports: []string{"udp"}, want: "[udp:127.0.18.1:5060 udp:[::1]:5070]"},
		{name: "old syntax", listen: []string{"udp:127.0.18.1:5060", "tcp:127.0.18.1:5061"}, want: "[udp:127.0.18.1:5060 tcp:127.0.18.1:5061]", wantLegacy: true},
		{name: "no port", listen: []string{"127.0.18.1"}, wantErr: `--listen "127.0.18.1": want HOST:PORT`},
		{name: "old syntax, bad network", listen: []string{"sctp:127.0.18.1:5060"}, wantErr: `--listen "sctp:127.0.18.1:5060": want HOST:PORT`},
		{name: "bad transport", listen: []string{"127.0.18.1:5060"}, transports: []string{"tls"}, wantErr: `--transport "tls": want udp or tcp`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := registrarFlags{listen: tc.listen, transports: tc.transports}
			got, legacy, err := f.listens()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != tc.want || legacy != tc.wantLegacy {
				t.Errorf("listens() = %v, %v, %v; want %s, %v", got, legacy, err, tc.want, tc.wantLegacy)
			}
		})
	}
}
