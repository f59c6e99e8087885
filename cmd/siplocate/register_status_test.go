package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
)

// statusFixture is two accounts: one registered, one failing with an
// error holding a control character, as a registrar may send.
func statusFixture() []register.AccountStatus {
	since := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	return []register.AccountStatus{{
		Name: "alice", AOR: "sip:alice@example.com", State: register.StateRegistered,
		Target:          locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060, Host: "sip1.example.com"},
		RegisteredSince: since, ExpiresIn: 3542500 * time.Millisecond, LastStatus: 200, LastReason: "OK", Failovers: 1,
	}, {
		Name: "bob", AOR: "sip:bob@example.com", State: register.StateFailing,
		Target:     locate.Target{Transport: locate.TCP, Addr: netip.MustParseAddr("192.0.2.12"), Port: 5060},
		LastStatus: 403, LastReason: "Forbidden\x1b[2J", ConsecutiveFailures: 3, Failbacks: 2,
		LastError: errors.New("403 Forbidden\x1b[2J"),
	}}
}

// TestStatusGolden: the /status JSON and the table of `register status`
// (issue 14 item 3).
func TestStatusGolden(t *testing.T) {
	st := statusOf(statusFixture())
	var j bytes.Buffer
	if err := json.NewEncoder(&j).Encode(st); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "register_status_json", j.String())
	var tbl bytes.Buffer
	printStatusTable(&tbl, st)
	checkGolden(t, "register_status", tbl.String())
	if strings.ContainsAny(j.String()+tbl.String(), "\x1b") {
		t.Errorf("a control character printed raw")
	}
}

// startRegisterAgent runs `siplocate register args...` until the test
// ends, and waits until /status on addr lists want accounts, all
// registered.
func startRegisterAgent(t *testing.T, addr string, want int, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb syncBuffer
	go func() { done <- run(ctx, append([]string{"register"}, args...), &out, &errb) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("register exited %d; stderr:\n%s", code, errb.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := fetchStatus("http://"+addr+"/status", time.Second)
		if err == nil && registered(st) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d registered accounts at %s within 10 s: %v %+v\nstdout:\n%s\nstderr:\n%s", want, addr, err, st, out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// registered counts the registered accounts of st.
func registered(st statusJSON) int {
	n := 0
	for _, a := range st.Accounts {
		if a.State == string(register.StateRegistered) {
			n++
		}
	}
	return n
}

func TestRegisterStatusCommand(t *testing.T) {
	reg := startRegistrar(t)
	addr := "127.0.16.1:9464"
	startRegisterAgent(t, addr, 1, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", reg, "--http", addr)
	code, out, stderr := runRegister(t, "status", "--http", addr)
	if code != 0 {
		t.Fatalf("status: exit %d; stderr:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME ") || !strings.Contains(lines[1], "alice  sip:alice@example.com  registered  udp "+reg) ||
		!strings.Contains(lines[1], "200 OK") {
		t.Errorf("status table:\n%s", out)
	}
	code, out, stderr = runRegister(t, "status", "--http", addr, "--json")
	var st statusJSON
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || len(st.Accounts) != 1 {
		t.Fatalf("status --json: exit %d, %q; stderr:\n%s", code, out, stderr)
	}
	a := st.Accounts[0]
	if a.Name != "alice" || a.AOR != "sip:alice@example.com" || a.Target == nil || a.Target.Address != "127.0.0.1" ||
		a.RegisteredSince == "" || a.ExpiresIn <= 3500 || a.ExpiresIn > 3600 || a.LastStatus != 200 {
		t.Errorf("status --json: %+v", a)
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("/metrics beside /status: %v %v", res, err)
	}
	_ = res.Body.Close()
}

// TestRegisterMetricsAlias: --metrics, the old name of --http, serves
// /status too; both with different addresses is a usage error.
func TestRegisterMetricsAlias(t *testing.T) {
	reg := startRegistrar(t)
	addr := "127.0.16.2:9464"
	startRegisterAgent(t, addr, 1, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", reg, "--metrics", addr)
	code, _, stderr := runRegister(t, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", reg, "--metrics", "127.0.16.2:1", "--http", "127.0.16.2:2", "--once")
	if code != exitBadUsage || !strings.Contains(stderr, "old name") {
		t.Errorf("--metrics and --http apart: exit %d, want %d; stderr:\n%s", code, exitBadUsage, stderr)
	}
}

// TestRegisterStatusNotRunning: no agent at the address: exit 1, saying so.
func TestRegisterStatusNotRunning(t *testing.T) {
	code, out, stderr := runRegister(t, "status", "--http", "127.0.16.3:9")
	if code != exitFailure || !strings.Contains(stderr, "no agent answers at http://127.0.16.3:9/status") || out != "" {
		t.Errorf("exit %d, want %d; stdout %q; stderr:\n%s", code, exitFailure, out, stderr)
	}
	if code, _, _ := runRegister(t, "status"); code != exitBadUsage {
		t.Errorf("without --http: exit %d, want %d", code, exitBadUsage)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRegisterDuplicateNameOfRefused: a refused table and a good one with
// the same name are duplicates too (issue 14 item 4): --once counted them
// as one done account out of two and never exited.
func TestRegisterDuplicateNameOfRefused(t *testing.T) {
	reg := startRegistrar(t)
	path := filepath.Join(t.TempDir(), "phone.toml")
	text := "[[account]]\nname = \"alice\"\nsip_user_id = \"alice\"\nauthenticate_password = \"secret\"\nsip_server = \"example.com\"\ndns_mode = \"static\"\nprimary_ip = \"" + reg + "\"\n" +
		"[[account]]\nname = \"alice\"\nsip_user_id = \"alice\"\nsip_server = \"example.com\"\nregister_expiry = \"60s\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRegister(t, "--config", path, "--once")
	if code != exitBadUsage || !strings.Contains(stderr, `"alice"`) {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitBadUsage, out, stderr)
	}
}
