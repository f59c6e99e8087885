package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParsePhoneFileRefusesBadTables(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		wantErr    string   // the whole file is an error
		wantRefuse []string // per account: "" for good, else "key: reason" in the refusal
	}{
		{name: "unknown key", text: "[[account]]\nname = \"a\"\nsip_sever = \"example.com\"\n", wantRefuse: []string{`account "a": sip_sever: unknown key`}},
		{name: "wrong type", text: "[[account]]\nsip_user_id = \"bob\"\nmax_tries = \"three\"\n", wantRefuse: []string{`account "bob": max_tries: incompatible types: TOML value has type string; destination has type integer`}},
		{name: "bad duration", text: "[[account]]\nregister_expiration = \"an hour\"\n", wantRefuse: []string{`account "[[account]] #1": register_expiration: want a duration`}},
		{name: "a list where a string goes", text: "[[account]]\nname = \"c\"\nprimary_ip = [\"192.0.2.1\"]\n", wantRefuse: []string{`account "c": primary_ip: incompatible types`}},
		{name: "only the bad table is refused", text: "[[account]]\nname = \"good\"\nsip_user_id = \"alice\"\nsip_server = \"example.com\"\n\n[[account]]\nname = \"typo\"\nfailover_mod = \"default\"\n\n[[account]]\nname = \"good2\"\nsip_user_id = \"bob\"\nsip_server = \"example.com\"\n",
			wantRefuse: []string{"", `account "typo": failover_mod: unknown key`, ""}},
		{name: "the same unknown key in two tables", text: "[[account]]\nname = \"x\"\nfoo = 1\n\n[[account]]\nname = \"y\"\nfoo = 2\n", wantRefuse: []string{`account "x": foo: unknown key`, `account "y": foo: unknown key`}},
		{name: "unknown top-level key", text: "dns_servers = [\"127.0.0.53:53\"]\n[[account]]\nname = \"a\"\n", wantErr: "unknown keys: dns_servers"},
		{name: "account that is not a table", text: "account = 3\n", wantErr: "phone.toml"},
		{name: "bad TOML", text: "[[account]\n", wantErr: "phone.toml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parsePhoneFile("phone.toml", tc.text)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Accounts) != len(tc.wantRefuse) {
				t.Fatalf("%d accounts, want %d", len(f.Accounts), len(tc.wantRefuse))
			}
			for i, want := range tc.wantRefuse {
				got := f.Accounts[i].refused
				switch {
				case want == "" && got != nil:
					t.Errorf("account %d refused: %v", i, got)
				case want != "" && (got == nil || !strings.Contains(got.Error(), want)):
					t.Errorf("account %d: refused %v, want %q", i, got, want)
				}
			}
		})
	}
}

// TestRegisterConfigRefusesBadAccounts runs `siplocate register --config`
// with a good account among bad ones: each bad one is refused at start
// with its key and reason, the good one registers, and the exit status is
// 0 (every valid account registered).
func TestRegisterConfigRefusesBadAccounts(t *testing.T) {
	reg := startRegistrar(t)
	table := func(name string, lines ...string) string {
		return "\n[[account]]\nname = \"" + name + "\"\n" + strings.Join(lines, "\n") + "\n"
	}
	server, static, primary := `sip_server = "example.com"`, `dns_mode = "static"`, `primary_ip = "`+reg+`"`
	text := table("alice", `sip_user_id = "alice"`, `authenticate_password = "secret"`, server, static, primary)
	bad := []struct{ name, text, want string }{
		{name: "bad-aor", text: table("bad-aor", `aor = "sip:al ice@example.com"`, server, static, primary), want: "aor: "},
		{name: "bad-failover", text: table("bad-failover", `sip_user_id = "b"`, server, `failover_mode = "sometimes"`), want: "failover_mode: "},
		{name: "bad-dns-mode", text: table("bad-dns-mode", `sip_user_id = "b"`, server, `dns_mode = "carrier-pigeon"`), want: `dns_mode: "carrier-pigeon"`},
		{name: "bad-primary", text: table("bad-primary", `sip_user_id = "b"`, server, static, `primary_ip = "192.0.2.300"`), want: `primary_ip/backup_ips: "192.0.2.300"`},
		{name: "negative-expires", text: table("negative-expires", `sip_user_id = "b"`, server, static, primary, `register_expiration = "-60s"`), want: "expires: -1m0s"},
		{name: "unknown-key", text: table("unknown-key", `sip_user_id = "b"`, server, static, primary, `register_expiry = "60s"`), want: "register_expiry: unknown key"},
		{name: "wrong-type", text: table("wrong-type", `sip_user_id = "b"`, server, static, primary, `max_tries = "three"`), want: "max_tries: incompatible types"},
	}
	for _, b := range bad {
		text += b.text
	}
	path := filepath.Join(t.TempDir(), "phone.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRegister(t, "--config", path, "--once")
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	for _, b := range bad {
		if want := b.name + "  refused: account \"" + b.name + "\": " + b.want; !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(out, "alice  registered with udp "+reg) {
		t.Errorf("alice did not register")
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestRegisterBadFlagsRefused checks that an account made from flags with
// a bad value is refused with the key and the reason, and that with no
// valid account left the exit status is 2 (bad usage).
func TestRegisterBadFlagsRefused(t *testing.T) {
	base := []string{"--server", "example.com", "--user", "alice", "--password", "secret", "--once"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "dns mode", args: []string{"--dns-mode", "bogus"}, want: `dns_mode: "bogus"`},
		{name: "failover mode", args: []string{"--failover-mode", "sometimes"}, want: "failover_mode: "},
		{name: "primary IP", args: []string{"--dns-mode", "static", "--primary-ip", "192.0.2.300"}, want: `primary_ip/backup_ips: "192.0.2.300"`},
		{name: "backup IP", args: []string{"--dns-mode", "static", "--primary-ip", "192.0.2.1", "--backup-ip", "sip2.example.com"}, want: `primary_ip/backup_ips: "sip2.example.com"`},
		{name: "backup IP with a numeric server", args: []string{"--server", "192.0.2.13", "--dns-mode", "static", "--backup-ip", "192.0.2.12"}, want: `primary_ip/backup_ips: never used: the SIP server "192.0.2.13" is an IP address`},
		{name: "primary IP with a numeric server", args: []string{"--server", "192.0.2.13:5070", "--primary-ip", "192.0.2.12"}, want: `primary_ip/backup_ips: never used`},
		{name: "negative expires", args: []string{"--expires", "-1m"}, want: "expires: -1m0s"},
		{name: "probe of 1 ns", args: []string{"--probe", "1ns"}, want: "probe: 1ns"},
		{name: "transport", args: []string{"--transport", "sctp"}, want: `transports: "sctp"`},
		{name: "server with a space", args: []string{"--server", "exa mple.com"}, want: `aor: "sip:alice@exa mple.com"`},
		{name: "server with a space and an AOR", args: []string{"--server", "exa mple.com", "--aor", "sip:alice@example.com"}, want: `server: "exa mple.com"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runRegister(t, append(append([]string{}, base...), tc.args...)...)
			if code != exitBadUsage || !strings.Contains(out, `alice  refused: account "alice": `+tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and the refusal with %q", code, out, stderr, exitBadUsage, tc.want)
			}
		})
	}
}

// TestRegisterConfigAllRefused: a file whose every account is refused is
// a bad file (exit 2).
func TestRegisterConfigAllRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "phone.toml")
	text := "[[account]]\nname = \"a\"\nsip_user_id = \"a\"\nsip_server = \"example.com\"\ndns_mode = \"x\"\n\n[[account]]\nname = \"b\"\nsip_usr_id = \"b\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runRegister(t, "--config", path, "--once")
	if code != exitBadUsage || !strings.Contains(stderr, "no valid account") || strings.Count(out, "refused") != 2 {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d, two refusals and no valid account", code, out, stderr, exitBadUsage)
	}
}

// TestStartSpreadSetting: start_spread in the file, --start-spread over it.
func TestStartSpreadSetting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "phone.toml")
	text := "start_spread = \"2s\"\n[[account]]\nsip_user_id = \"a\"\nsip_server = \"example.com\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{
		{args: []string{"--config", path}, want: 2 * time.Second},
		{args: []string{"--config", path, "--start-spread", "-1s"}, want: -time.Second},
		{args: []string{"--server", "example.com", "--user", "a", "--start-spread", "30s"}, want: 30 * time.Second},
	} {
		f := &registerFlags{}
		fl := pflag.NewFlagSet("register", pflag.ContinueOnError)
		f.bind(fl)
		if err := fl.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		file, err := f.load(fl)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := file.StartSpread.Duration; got != tc.want {
			t.Errorf("%v: start spread %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestBindAndContactHostKeys: top-level bind and contact_host are the
// accounts' defaults; an account's own keys win.
func TestBindAndContactHostKeys(t *testing.T) {
	text := `bind = "127.0.14.20"
contact_host = "pbx.example.net"
[[account]]
sip_user_id = "alice"
sip_server = "example.com"
[[account]]
sip_user_id = "bob"
sip_server = "example.com"
bind = "127.0.14.21:5070"
contact_host = "203.0.113.7:5080"
`
	f, err := parsePhoneFile("phone.toml", text)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"127.0.14.20", "pbx.example.net"}, {"127.0.14.21:5070", "203.0.113.7:5080"}}
	for i, p := range f.Accounts {
		a := p.account()
		if got := [2]string{a.Bind, a.ContactHost}; got != want[i] {
			t.Errorf("account %d: bind, contact_host %q, want %q", i, got, want[i])
		}
	}
}

func TestRegisterBindFlag(t *testing.T) {
	reg := startRegistrar(t)
	code, out, stderr := runRegister(t, "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", reg, "--bind", "127.0.14.22", "--once")
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if code, _, _ := runRegister(t, "--server", "example.com", "--user", "alice", "--bind", "example.com", "--once"); code != exitBadUsage {
		t.Errorf("--bind example.com: exit %d, want %d", code, exitBadUsage)
	}
}
