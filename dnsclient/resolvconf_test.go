package dnsclient

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseResolvConf(t *testing.T) {
	tests := []struct {
		name         string
		text         string
		wantServers  []string
		wantTimeout  time.Duration
		wantAttempts int
	}{
		{name: "IPv4 and IPv6", text: "# comment\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch example.com\n",
			wantServers: []string{"192.0.2.53:53", "[2001:db8::53]:53"}},
		{name: "IPv6 with zone", text: "nameserver fe80::1%eth0\n", wantServers: []string{"[fe80::1%eth0]:53"}},
		{name: "options", text: "nameserver 127.0.0.53\noptions edns0 timeout:3 attempts:4 rotate\n",
			wantServers: []string{"127.0.0.53:53"}, wantTimeout: 3 * time.Second, wantAttempts: 4},
		{name: "options capped", text: "options timeout:99 attempts:9\n", wantTimeout: 30 * time.Second, wantAttempts: 5},
		{name: "bad options ignored", text: "options timeout:x attempts:0 timeout\n"},
		{name: "names are not servers", text: "nameserver dns.example.com\nnameserver\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := parseResolvConf(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rc.servers, tt.wantServers) || rc.timeout != tt.wantTimeout || rc.attempts != tt.wantAttempts {
				t.Errorf("got %v %v %d, want %v %v %d", rc.servers, rc.timeout, rc.attempts,
					tt.wantServers, tt.wantTimeout, tt.wantAttempts)
			}
		})
	}
}

func TestNewFromResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(path, []byte("nameserver 127.0.1.53\noptions timeout:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{ResolvConf: path, Attempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Servers(); !slices.Equal(got, []string{"127.0.1.53:53"}) {
		t.Errorf("Servers() = %v", got)
	}
	if c.cfg.timeout() != time.Second || c.cfg.attempts() != 3 {
		t.Errorf("timeout %v, attempts %d; want 1s from the file, 3 from Config", c.cfg.timeout(), c.cfg.attempts())
	}
}

func TestServerAddr(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "127.0.1.1", want: "127.0.1.1:53"},
		{in: "127.0.1.1:5353", want: "127.0.1.1:5353"},
		{in: "::1", want: "[::1]:53"},
		{in: "[::1]", want: "[::1]:53"},
		{in: "[::1]:5353", want: "[::1]:5353"},
		{in: "dns.example.com", want: "dns.example.com:53"},
		{in: "", wantErr: true},
		{in: "[::1", wantErr: true},
		{in: ":53", wantErr: true},
		{in: "127.0.0.1:", wantErr: true},
	}
	for _, tt := range tests {
		got, err := serverAddr(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("serverAddr(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
