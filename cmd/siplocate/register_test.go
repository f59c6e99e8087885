package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
	"github.com/siplocate/siplocate/registrar"
)

// startRegistrar runs a lab registrar for alice/secret on 127.0.0.1 (UDP)
// and returns its address.
func startRegistrar(t *testing.T) string {
	t.Helper()
	r, err := registrar.New(registrar.Config{
		Listen: []registrar.Listen{{Network: "udp", Addr: "127.0.0.1:0"}},
		Users:  registrar.Users{"alice": "secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r.Addrs()[0].Addr
}

// closedUDPAddr returns a loopback address where nothing listens.
func closedUDPAddr(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	_ = c.Close()
	return addr
}

// runRegister runs `siplocate register args...` with a bound on its time.
func runRegister(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"register"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRegisterFailsOverOnICMPAndUnregisters(t *testing.T) {
	reg, closed := startRegistrar(t), closedUDPAddr(t)
	code, out, stderr := runRegister(t, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", closed, "--backup-ip", reg, "--attempt-timeout", "1m", "--once")
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"registering with udp " + closed + ", attempt 1/3",
		"attempt 1/3 to udp " + closed + " failed: transport-error",
		"registered with udp " + reg,
		"unregistered from udp " + reg,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRegisterJSON(t *testing.T) {
	reg := startRegistrar(t)
	code, out, stderr := runRegister(t, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", reg, "--once", "--json")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		// One schema family with lookup --json (issue 9): "version", and
		// targets as objects.
		var e struct {
			Version *int   `json:"version"`
			Account string `json:"account"`
			Event   string `json:"event"`
			Target  *struct {
				Transport string `json:"transport"`
				Address   string `json:"address"`
				Port      int    `json:"port"`
			} `json:"target"`
			Targets []map[string]any `json:"targets"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Version == nil || *e.Version != 0 || e.Account != "alice" {
			t.Fatalf("bad line %q: %v", line, err)
		}
		if e.Event == "registered" && (e.Target == nil || e.Target.Transport != "udp" || e.Target.Address+":"+strconv.Itoa(e.Target.Port) != reg) {
			t.Errorf("registered line %q: want the target {transport, address, port} of %s", line, reg)
		}
		if e.Event == "located" && (len(e.Targets) != 1 || e.Targets[0]["address"] == nil) {
			t.Errorf("located line %q: want the targets as objects", line)
		}
		kinds = append(kinds, e.Event)
	}
	if got, want := strings.Join(kinds, " "), "located registering registered unregistered"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestRegisterNeverRegisteredExits1(t *testing.T) {
	code, out, _ := runRegister(t, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", closedUDPAddr(t), "--once")
	if code != exitFailure {
		t.Errorf("exit %d, want %d; output:\n%s", code, exitFailure, out)
	}
}

func TestRegisterConfigFile(t *testing.T) {
	reg := startRegistrar(t)
	path := filepath.Join(t.TempDir(), "phone.toml")
	text := `
[[account]]
name = "alice"
sip_user_id = "alice"
authenticate_password = "secret"
sip_server = "example.com"
dns_mode = "static"
primary_ip = "` + reg + `"
register_expiration = "60s"

[[account]]
name = "broken"
sip_user_id = "bob"
sip_server = "example.com"
dns_mode = "carrier-pigeon"
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRegister(t, "--config", path, "--once")
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "broken  refused: account \"broken\": dns_mode:") {
		t.Errorf("the bad account was not refused with its key:\n%s", out)
	}
	if !strings.Contains(out, "alice  registered with udp "+reg+" for 1m0s") {
		t.Errorf("alice did not register for 60 s:\n%s", out)
	}
}

func TestRegisterUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "nothing", args: nil},
		{name: "no user", args: []string{"--server", "example.com"}},
		{name: "missing file", args: []string{"--config", "/nonexistent/phone.toml"}},
	}
	for _, tc := range tests {
		if code, _, _ := runRegister(t, tc.args...); code != exitBadUsage {
			t.Errorf("%s: exit %d, want %d", tc.name, code, exitBadUsage)
		}
	}
}

func TestParsePhoneFile(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr string
		wantAOR string
	}{
		{name: "AOR from user id and server", text: "[[account]]\nsip_user_id = \"alice\"\nsip_server = \"example.com:5070\"\n", wantAOR: "sip:alice@example.com"},
		{name: "explicit AOR", text: "[[account]]\naor = \"sip:a@b.example\"\nsip_server = \"example.com\"\n", wantAOR: "sip:a@b.example"},
		{name: "unknown top-level key", text: "metric = \"127.0.0.1:9464\"\n[[account]]\nsip_user_id = \"alice\"\nsip_server = \"example.com\"\n", wantErr: "unknown keys: metric"},
		{name: "bad TOML", text: "[[account]\n", wantErr: "phone.toml"},
	}
	for _, tc := range tests {
		f, err := parsePhoneFile("phone.toml", tc.text)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case f.Accounts[0].account().AOR != tc.wantAOR:
			t.Errorf("%s: AOR %q, want %q", tc.name, f.Accounts[0].account().AOR, tc.wantAOR)
		}
	}
}

// TestTimelineEscapesControlCharacters: what came from the network (a
// reason phrase, a DNS name) is escaped in the timeline and in --json
// (issue 8 item 8), C1 controls included, which JSON leaves raw.
func TestTimelineEscapesControlCharacters(t *testing.T) {
	tgt := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.13"), Port: 5060, Host: "sip\x1b[2J.example.com"}
	e := register.Event{Time: time.Unix(0, 0), Account: "alice", Kind: register.Rejected, Target: tgt, Status: 403,
		Err: errors.New("403 Go\x1b]0;owned\x07away\u009b31m")}
	for _, asJSON := range []bool{false, true} {
		var b bytes.Buffer
		newTimeline(&b, asJSON, time.Unix(0, 0)).print(e)
		out := strings.TrimSuffix(b.String(), "\n")
		if strings.ContainsAny(out, "\x1b\x07\u009b\n") {
			t.Errorf("json %v: printed a control character raw: %q", asJSON, out)
		}
		if !strings.Contains(out, `1b`) {
			t.Errorf("json %v: the ESC is not shown escaped: %q", asJSON, out)
		}
	}
}

// TestRegisterDuplicateNames: two accounts named alike are a usage error
// at start (issue 14 item 4); they used to be accepted, and --once, which
// counts accounts by name, then never exited.
func TestRegisterDuplicateNames(t *testing.T) {
	reg := startRegistrar(t)
	path := filepath.Join(t.TempDir(), "phone.toml")
	account := `
[[account]]
name = "alice"
sip_user_id = "alice"
authenticate_password = "secret"
sip_server = "example.com"
dns_mode = "static"
primary_ip = "` + reg + `"
`
	if err := os.WriteFile(path, []byte(account+account), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRegister(t, "--config", path, "--once")
	if code != exitBadUsage {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitBadUsage, out, stderr)
	}
	if !strings.Contains(stderr, `"alice"`) {
		t.Errorf("stderr does not name the account:\n%s", stderr)
	}
}
