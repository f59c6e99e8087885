package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegisterRefusesSilentDefaults runs `register --config` with a good
// account among ones whose values would be read wrong or silently replaced
// by the default (issue 14): each is refused with the key and reason, and
// the good one registers.
func TestRegisterRefusesSilentDefaults(t *testing.T) {
	reg := startRegistrar(t)
	table := func(name string, lines ...string) string {
		return "\n[[account]]\nname = \"" + name + "\"\n" + strings.Join(lines, "\n") + "\n"
	}
	server, static, primary := `sip_server = "example.com"`, `dns_mode = "static"`, `primary_ip = "`+reg+`"`
	text := table("alice", `sip_user_id = "alice"`, `authenticate_password = "secret"`, server, static, primary)
	bad := []struct{ name, text, want string }{
		{name: "zero-expires", text: table("zero-expires", `sip_user_id = "b"`, server, static, primary, `register_expiration = "0s"`), want: "expires: 0s: want from 1s to"},
		{name: "zero-tries", text: table("zero-tries", `sip_user_id = "b"`, server, static, primary, `max_tries = 0`), want: "max_tries: 0: want 1 or more"},
		{name: "zero-attempt", text: table("zero-attempt", `sip_user_id = "b"`, server, static, primary, `attempt_timeout = "0s"`), want: "attempt_timeout: 0s: want more than 0"},
		{name: "primary-not-static", text: table("primary-not-static", `sip_user_id = "b"`, server, `dns_mode = "srv"`, primary), want: "primary_ip/backup_ips: only used with dns_mode static"},
		{name: "backup-not-static", text: table("backup-not-static", `sip_user_id = "b"`, server, `backup_ips = ["192.0.2.12"]`), want: "primary_ip/backup_ips: only used with dns_mode static"},
		{name: "bad-duration", text: table("bad-duration", `sip_user_id = "b"`, server, static, primary, `register_expiration = "an hour"`), want: `register_expiration: "an hour": want a duration such as 60s or 5m`},
		{name: "bare-number-string", text: table("bare-number-string", `sip_user_id = "b"`, server, static, primary, `probe = "2"`), want: `probe: "2": want a duration such as 60s or 5m`},
		{name: "bare-number", text: table("bare-number", `sip_user_id = "b"`, server, static, primary, `register_expiration = 3600`), want: "register_expiration: 3600: want a duration such as 60s or 5m"},
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
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "alice  registered with udp "+reg) {
		t.Errorf("alice did not register")
	}
}

// TestRegisterFlagsRefuseSilentDefaults: the same from flags (exit 2: the
// only account is refused).
func TestRegisterFlagsRefuseSilentDefaults(t *testing.T) {
	base := []string{"--server", "example.com", "--user", "alice", "--password", "secret", "--once"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "zero expires", args: []string{"--expires", "0s"}, want: "expires: 0s: want from 1s to"},
		{name: "zero max tries", args: []string{"--max-tries", "0"}, want: "max_tries: 0: want 1 or more"},
		{name: "zero attempt timeout", args: []string{"--attempt-timeout", "0"}, want: "attempt_timeout: 0s: want more than 0"},
		{name: "primary IP without static", args: []string{"--dns-mode", "srv", "--primary-ip", "192.0.2.13"}, want: "primary_ip/backup_ips: only used with dns_mode static"},
		{name: "backup IP without static", args: []string{"--backup-ip", "192.0.2.12"}, want: "primary_ip/backup_ips: only used with dns_mode static"},
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

// TestRegisterConfigRefusesAccountFlags: a flag that names one account
// (--user, --aor, --auth-user, --password, a --server URI with a user)
// given with --config is bad
// usage, not a rewrite of every account in the file (issue 14); other
// flags go on overriding the file's setting.
func TestRegisterConfigRefusesAccountFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "phone.toml")
	text := "[[account]]\nname = \"a\"\nsip_user_id = \"a\"\nsip_server = \"example.com\"\n\n[[account]]\nname = \"b\"\nsip_user_id = \"b\"\nsip_server = \"example.com\"\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--user", "--aor", "--auth-user", "--password", "--server"} {
		t.Run(flag, func(t *testing.T) {
			code, out, stderr := runRegister(t, "--config", path, flag, "sip:x@example.com", "--once")
			if code != exitBadUsage || !strings.Contains(stderr, flag) || !strings.Contains(stderr, "names one account") || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", code, out, stderr, exitBadUsage, flag+" ... names one account")
			}
		})
	}
}

// TestServerURI: --server (and sip_server) may be a SIP URI (issue 14):
// its user is the account's, a sips: scheme means TLS and a sips: AOR, and
// a port and a transport= parameter are kept; what contradicts another
// setting is refused with the key.
func TestServerURI(t *testing.T) {
	tests := []struct {
		name       string
		p          phoneAccount
		wantServer string
		wantAOR    string
		wantTr     []string
		wantErr    string
	}{
		{name: "user and host", p: phoneAccount{SIPServer: "sip:alice@example.com"}, wantServer: "example.com", wantAOR: "sip:alice@example.com"},
		{name: "sips", p: phoneAccount{SIPServer: "sips:alice@example.com"}, wantServer: "example.com", wantAOR: "sips:alice@example.com", wantTr: []string{"tls"}},
		{name: "port and transport", p: phoneAccount{SIPServer: "sip:alice@example.com:5070;transport=tcp"}, wantServer: "example.com:5070", wantAOR: "sip:alice@example.com", wantTr: []string{"tcp"}},
		{name: "IPv6", p: phoneAccount{SIPServer: "sip:alice@[2001:db8::1]:5070"}, wantServer: "[2001:db8::1]:5070", wantAOR: "sip:alice@[2001:db8::1]"},
		{name: "no user, user elsewhere", p: phoneAccount{SIPServer: "SIP:Example.com", UserID: "bob"}, wantServer: "example.com", wantAOR: "sip:bob@example.com"},
		{name: "same user twice", p: phoneAccount{SIPServer: "sip:bob@example.com", UserID: "bob"}, wantServer: "example.com", wantAOR: "sip:bob@example.com"},
		{name: "plain domain untouched", p: phoneAccount{SIPServer: "example.com:5080", UserID: "bob"}, wantServer: "example.com:5080", wantAOR: "sip:bob@example.com"},
		{name: "two users", p: phoneAccount{SIPServer: "sip:alice@example.com", UserID: "bob"}, wantErr: `server: "sip:alice@example.com": its user alice is not sip_user_id bob`},
		{name: "sips and udp", p: phoneAccount{SIPServer: "sips:alice@example.com", Transports: []string{"udp"}}, wantErr: "transports: [udp]: a sips: server wants tls"},
		{name: "transport param and another", p: phoneAccount{SIPServer: "sip:alice@example.com;transport=tcp", Transports: []string{"udp"}}, wantErr: "transports: [udp]: the server URI says transport=tcp"},
		{name: "bad URI", p: phoneAccount{SIPServer: "sip:alice@"}, wantErr: `server: "sip:alice@"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			err := p.expandServer()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := p.account()
			if p.SIPServer != tc.wantServer || a.AOR != tc.wantAOR || strings.Join(p.Transports, ",") != strings.Join(tc.wantTr, ",") {
				t.Errorf("server %q, AOR %q, transports %v; want %q, %q, %v", p.SIPServer, a.AOR, p.Transports, tc.wantServer, tc.wantAOR, tc.wantTr)
			}
		})
	}
}

// TestRegisterServerURIFlag registers with only --server sip:alice@HOST:PORT.
func TestRegisterServerURIFlag(t *testing.T) {
	reg := startRegistrar(t)
	code, out, stderr := runRegister(t, "--server", "sip:alice@"+reg, "--password", "secret", "--once")
	if code != 0 || !strings.Contains(out, "alice  registered with udp "+reg) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and alice registered", code, out, stderr)
	}
}
