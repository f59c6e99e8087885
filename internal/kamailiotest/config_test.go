package kamailiotest

import (
	"strconv"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    []string // lines that must be there
		notWant []string
	}{
		{
			name: "zero value",
			want: []string{
				"listen=udp:127.0.0.1:5060", "listen=tcp:127.0.0.1:5060",
				"children=2", `modparam("ctl", "binrpc", "unix:/d/ctl.sock")`,
				`www_challenge("$td", "1");`, `modparam("registrar", "min_expires_mode", 1)`,
			},
			notWant: []string{"disable_tcp", `"min_expires",`, "\t$sht(users=>"},
		},
		{
			name: "udp only with users",
			cfg: Config{
				Addr: "127.0.0.13", Port: 5070, Transports: []string{"udp"}, Realm: "example.test",
				Users: map[string]string{"bob": "b0b", "alice": "secret"}, MinExpires: 10, Workers: 1,
			},
			want: []string{
				"listen=udp:127.0.0.13:5070", "disable_tcp=yes", "children=1",
				`$sht(users=>alice) = "secret";`, `$sht(users=>bob) = "b0b";`,
				`modparam("registrar", "min_expires", 10)`,
				`pv_www_authenticate("example.test", "$sht(users=>$au)", "0")`,
			},
			notWant: []string{"listen=tcp"},
		},
		{
			name: "udp and tls",
			cfg:  Config{Addr: "127.0.0.13", Transports: []string{"udp", "tls"}, TLS: &TLS{CertPEM: []byte("c"), KeyPEM: []byte("k")}},
			want: []string{
				"listen=udp:127.0.0.13:5060", "listen=tls:127.0.0.13:5061", "enable_tls=yes",
				`loadmodule "tls.so"`, `modparam("tls", "config", "/d/tls.cfg")`,
			},
			notWant: []string{"disable_tcp", "listen=tcp"},
		},
		{
			name: "IPv6",
			cfg:  Config{Addr: "::1", Transports: []string{"tcp"}},
			want: []string{"listen=tcp:::1:5060"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.render("/d/ctl.sock")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("kamailio.cfg lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("kamailio.cfg has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "bad address", cfg: Config{Addr: "example.test"}},
		{name: "port too big", cfg: Config{Port: 70000}},
		{name: "tls without a certificate", cfg: Config{Transports: []string{"tls"}}},
		{name: "a certificate without tls", cfg: Config{TLS: &TLS{CertPEM: []byte("c"), KeyPEM: []byte("k")}}},
		{name: "sctp", cfg: Config{Transports: []string{"sctp"}}},
		{name: "negative min expires", cfg: Config{MinExpires: -1}},
		{name: "quote in password", cfg: Config{Users: map[string]string{"a": `x"; exit; "`}}},
		{name: "pseudo-variable in user", cfg: Config{Users: map[string]string{"$au": "x"}}},
		{name: "empty password", cfg: Config{Users: map[string]string{"a": ""}}},
		{name: "newline in realm", cfg: Config{Realm: "a\nb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.cfg.render("/d/ctl.sock"); err == nil {
				t.Errorf("render(%+v) succeeded, want error", tt.cfg)
			}
		})
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{cfg: Config{}, want: "127.0.0.1:5060"},
		{cfg: Config{Addr: "127.0.0.13", Port: 5070}, want: "127.0.0.13:5070"},
		{cfg: Config{Addr: "::1"}, want: "[::1]:5060"},
	}
	for _, tt := range tests {
		if got := tt.cfg.hostPort(); got != tt.want {
			t.Errorf("%+v.hostPort() = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}

func TestPkgMB(t *testing.T) {
	tests := []struct {
		users int
		want  int
	}{
		{users: 0, want: 8},
		{users: 1, want: 9},
		{users: 256, want: 9},
		{users: 10000, want: 48},
	}
	for _, tt := range tests {
		u := map[string]string{}
		for i := range tt.users {
			u[strconv.Itoa(i)] = "x"
		}
		if got := (Config{Users: u}).pkgMB(); got != tt.want {
			t.Errorf("pkgMB with %d users = %d, want %d", tt.users, got, tt.want)
		}
	}
}
