package kamailiotest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/testenv"
)

// These tests use port 5070 on the register interop addresses
// (docs/loopback.md), so they do not collide with the register package's
// Kamailios on port 5060.
const testPort = 5070

func startPair(t *testing.T, cfg Config) (primary, backup *Instance) {
	t.Helper()
	testenv.RequireInterop(t)
	cfg.Port = testPort
	cfg.Addr = "127.0.0.13"
	primary = Start(t, cfg)
	cfg.Addr = "127.0.0.12"
	backup = Start(t, cfg)
	return primary, backup
}

var alice = map[string]string{"alice": "secret"}

// runSipp runs one sipp scenario from testdata against k over transport
// for each of accounts (user name -> password, all registering for expires
// seconds) and returns sipp's error, with its screen, if a call failed.
func runSipp(t *testing.T, k *Instance, scenario, transport string, accounts map[string]string, expires int) error {
	t.Helper()
	bin := testenv.LookPath(t, "sipp")
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("SEQUENTIAL\n")
	for u, p := range accounts {
		fmt.Fprintf(&csv, "%s;[authentication username=%s password=%s];example.test;%d\n", u, u, p, expires)
	}
	testenv.WriteFile(t, dir, "users.csv", csv.String())
	abs, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-sf", abs, "-inf", "users.csv",
		"-t", map[string]string{"udp": "u1", "tcp": "t1"}[transport],
		"-i", "127.0.0.1", "-p", freeUDPPort(t), "-m", strconv.Itoa(len(accounts)), "-r", "1000",
		"-nostdin", "-timeout", "20s", "-timeout_error", k.HostPort())
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sipp %s over %s: %w\n%s", scenario, transport, err, out)
	}
	return nil
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago,
// for sipp, which would otherwise take 5060.
func freeUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
}

// TestInteropRegisterWithSipp registers alice with digest auth on two
// Kamailios at once and finds each binding in its own location table.
func TestInteropRegisterWithSipp(t *testing.T) {
	primary, backup := startPair(t, Config{Users: alice, MinExpires: 30})
	for _, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			for _, k := range []*Instance{primary, backup} {
				if err := runSipp(t, k, "register.xml", tr, alice, 120); err != nil {
					t.Fatal(err)
				}
				socket := tr + ":" + k.HostPort()
				k.WaitLocations(t, 5*time.Second, func(bs []Binding) error {
					for _, b := range bs {
						if b.AOR == "alice@example.test" && b.Socket == socket && b.Expires > 100 && b.CSeq == 2 {
							return nil
						}
					}
					return fmt.Errorf("no binding of alice@example.test on %s: %+v", socket, bs)
				})
			}
		})
	}
	if bs, err := primary.Lookup("alice@example.test"); err != nil || len(bs) != 2 {
		t.Errorf("Lookup(alice) = %+v, %v; want the UDP and the TCP binding", bs, err)
	}
	if bs, err := primary.Lookup("bob@example.test"); err != nil || len(bs) != 0 {
		t.Errorf("Lookup(bob) = %+v, %v; want none", bs, err)
	}
	if !strings.Contains(primary.Log(), "siplocate: REGISTER sip:alice@example.test from udp:127.0.0.1:") {
		t.Errorf("primary's log lacks the saved REGISTER:\n%s", primary.Log())
	}
}

// TestInteropIntervalTooBrief checks that a REGISTER below MinExpires
// gets 423 and leaves no binding.
func TestInteropIntervalTooBrief(t *testing.T) {
	primary, _ := startPair(t, Config{Users: alice, MinExpires: 30})
	if err := runSipp(t, primary, "register-too-brief.xml", "udp", alice, 10); err != nil {
		t.Fatal(err)
	}
	if bs, err := primary.Locations(); err != nil || len(bs) != 0 {
		t.Errorf("Locations = %+v, %v; want none", bs, err)
	}
}

// TestInteropPauseResume checks that a paused Kamailio answers nothing
// and a resumed one answers again, over UDP and TCP.
func TestInteropPauseResume(t *testing.T) {
	primary, backup := startPair(t, Config{})
	primary.Pause()
	for _, tr := range []string{"udp", "tcp"} {
		if code, err := primary.Options(tr, 500*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("paused: Options over %s = %d, %v; want a timeout", tr, code, err)
		}
		if code, err := backup.Options(tr, 2*time.Second); code != 200 {
			t.Errorf("backup while primary paused: Options over %s = %d, %v; want 200", tr, code, err)
		}
	}
	primary.Resume()
	for _, tr := range []string{"udp", "tcp"} {
		if code, err := primary.Options(tr, 2*time.Second); code != 200 {
			t.Errorf("resumed: Options over %s = %d, %v; want 200", tr, code, err)
		}
	}
}

// TestInteropKillRestart checks that a killed Kamailio's ports are closed
// (ICMP port unreachable on a connected UDP socket, TCP refused) and that
// Restart brings it back on the same address with an empty table.
func TestInteropKillRestart(t *testing.T) {
	primary, _ := startPair(t, Config{Users: alice, MinExpires: 30})
	if err := runSipp(t, primary, "register.xml", "udp", alice, 120); err != nil {
		t.Fatal(err)
	}
	primary.WaitLocations(t, 5*time.Second, HasAOR("alice@example.test"))
	primary.Kill()
	for _, tr := range []string{"udp", "tcp"} {
		if code, err := primary.Options(tr, 2*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("killed: Options over %s = %d, %v; want connection refused", tr, code, err)
		}
	}
	primary.Restart(t)
	for _, tr := range []string{"udp", "tcp"} {
		if code, err := primary.Options(tr, 2*time.Second); code != 200 {
			t.Errorf("restarted: Options over %s = %d, %v; want 200", tr, code, err)
		}
	}
	if bs, err := primary.Locations(); err != nil || len(bs) != 0 {
		t.Errorf("after restart: Locations = %+v, %v; want an empty table", bs, err)
	}
	if !strings.Contains(primary.Log(), "kamailiotest: restart") {
		t.Errorf("Log lost the first run's output")
	}
}

// TestInteropLargeTable registers more accounts than kamcmd's ul.dump can
// return: Locations must fail, not come back empty, while Count and Lookup
// still work.
func TestInteropLargeTable(t *testing.T) {
	testenv.RequireInterop(t)
	const n = 500
	users := make(map[string]string, n)
	for i := range n {
		users["user"+strconv.Itoa(i)] = "pw" + strconv.Itoa(i)
	}
	k := Start(t, Config{Addr: "127.0.0.13", Port: testPort, Transports: []string{"udp"}, Users: users})
	if err := runSipp(t, k, "register.xml", "udp", users, 600); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Count(); got != n {
		t.Errorf("Count = %d, %v; want %d", got, err, n)
	}
	if bs, err := k.Lookup("user7@example.test"); err != nil || len(bs) != 1 || bs[0].AOR != "user7@example.test" {
		t.Errorf("Lookup(user7) = %+v, %v; want one binding", bs, err)
	}
	if bs, err := k.Locations(); err == nil {
		t.Errorf("Locations returned %d bindings without error; kamcmd cannot carry %d", len(bs), n)
	}
}
