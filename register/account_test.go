package register

import (
	"errors"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

func TestRefreshWindow(t *testing.T) {
	tests := []struct {
		name           string
		margin         time.Duration
		granted        time.Duration
		earliest, last time.Duration
	}{
		{name: "default 75% to 90%", granted: 3600 * time.Second, earliest: 2700 * time.Second, last: 3240 * time.Second},
		{name: "default 60 s", granted: 60 * time.Second, earliest: 45 * time.Second, last: 54 * time.Second},
		{name: "fixed margin", margin: 30 * time.Second, granted: 3600 * time.Second, earliest: 3030 * time.Second, last: 3570 * time.Second},
		{name: "margin capped at half", margin: time.Hour, granted: 60 * time.Second, earliest: 30 * time.Second, last: 30 * time.Second},
		{name: "never before half", margin: 25 * time.Second, granted: 60 * time.Second, earliest: 30 * time.Second, last: 35 * time.Second},
	}
	for _, tc := range tests {
		a := Account{RefreshMargin: tc.margin}
		if e, l := a.refreshWindow(tc.granted); e != tc.earliest || l != tc.last {
			t.Errorf("%s: refreshWindow(%v) = %v, %v; want %v, %v", tc.name, tc.granted, e, l, tc.earliest, tc.last)
		}
	}
}

func TestValidate(t *testing.T) {
	base := Account{AOR: "sip:alice@example.com", Server: "example.com"}
	tests := []struct {
		name    string
		edit    func(*Account)
		wantKey string // "" for valid
	}{
		{name: "minimal", edit: func(*Account) {}},
		{name: "server with port", edit: func(a *Account) { a.Server = "example.com:5070" }},
		{name: "server IPv6 with port", edit: func(a *Account) { a.Server = "[2001:db8::1]:5060" }},
		{name: "static with IPs", edit: func(a *Account) {
			a.DNSMode, a.PrimaryIP, a.BackupIPs = locate.ModeStatic, "192.0.2.13", []string{"192.0.2.12:5060"}
		}},
		{name: "static with an IP server", edit: func(a *Account) { a.DNSMode, a.Server = locate.ModeStatic, "192.0.2.13" }},
		{name: "no AOR", edit: func(a *Account) { a.AOR = "" }, wantKey: "aor"},
		{name: "AOR without user", edit: func(a *Account) { a.AOR = "sip:example.com" }, wantKey: "aor"},
		{name: "tel AOR", edit: func(a *Account) { a.AOR = "tel:+15551234" }, wantKey: "aor"},
		{name: "no server", edit: func(a *Account) { a.Server = "" }, wantKey: "server"},
		{name: "bad port", edit: func(a *Account) { a.Server = "example.com:99999" }, wantKey: "server"},
		{name: "bad proxy", edit: func(a *Account) { a.OutboundProxy = "a b" }, wantKey: "outbound_proxy"},
		{name: "bad DNS mode", edit: func(a *Account) { a.DNSMode = "dns" }, wantKey: "dns_mode"},
		{name: "bad failover mode", edit: func(a *Account) { a.FailoverMode = "sometimes" }, wantKey: "failover_mode"},
		{name: "static without IPs", edit: func(a *Account) { a.DNSMode = locate.ModeStatic }, wantKey: "primary_ip"},
		{name: "backup IPs with a numeric server", edit: func(a *Account) {
			a.Server, a.DNSMode, a.BackupIPs = "192.0.2.13", locate.ModeStatic, []string{"192.0.2.12"}
		}, wantKey: "primary_ip/backup_ips"},
		{name: "primary IP with a numeric server, any mode", edit: func(a *Account) { a.Server, a.PrimaryIP = "[2001:db8::13]:5060", "192.0.2.12" }, wantKey: "primary_ip/backup_ips"},
		{name: "static with a name", edit: func(a *Account) { a.DNSMode, a.PrimaryIP = locate.ModeStatic, "sip.example.com" }, wantKey: "primary_ip/backup_ips"},
		{name: "SCTP", edit: func(a *Account) { a.Transports = []locate.Transport{locate.SCTP} }, wantKey: "transports"},
		{name: "expiry too short", edit: func(a *Account) { a.Expires = time.Millisecond }, wantKey: "expires"},
		{name: "negative expiry", edit: func(a *Account) { a.Expires = -time.Hour }, wantKey: "expires"},
		{name: "expiry past 2**32-1 s", edit: func(a *Account) { a.Expires = 200 * 365 * 24 * time.Hour }, wantKey: "expires"},
		{name: "largest expiry", edit: func(a *Account) { a.Expires = (1<<32 - 1) * time.Second }},
		{name: "AOR without scheme", edit: func(a *Account) { a.AOR = "alice@example.com" }, wantKey: "aor"},
		{name: "AOR with a space in the user", edit: func(a *Account) { a.AOR = "sip:al ice@example.com" }, wantKey: "aor"},
		{name: "AOR with a space in the domain", edit: func(a *Account) { a.AOR = "sip:alice@exa mple.com" }, wantKey: "aor"},
		{name: "AOR with a tab", edit: func(a *Account) { a.AOR = "sip:alice\t@example.com" }, wantKey: "aor"},
		{name: "sips AOR", edit: func(a *Account) { a.AOR = "sips:alice@example.com" }},
		{name: "upper-case DNS mode", edit: func(a *Account) { a.DNSMode = "NAPTR" }, wantKey: "dns_mode"},
		{name: "primary IP out of range", edit: func(a *Account) { a.DNSMode, a.PrimaryIP = locate.ModeStatic, "192.0.2.300" }, wantKey: "primary_ip/backup_ips"},
		{name: "primary IP with port 0", edit: func(a *Account) { a.DNSMode, a.PrimaryIP = locate.ModeStatic, "192.0.2.1:0" }, wantKey: "primary_ip/backup_ips"},
		{name: "backup IP with a bad port", edit: func(a *Account) {
			a.DNSMode, a.PrimaryIP, a.BackupIPs = locate.ModeStatic, "192.0.2.13", []string{"[2001:db8::1]:99999"}
		}, wantKey: "primary_ip/backup_ips"},
		{name: "negative max tries", edit: func(a *Account) { a.MaxTries = -1 }, wantKey: "probe/attempt_timeout/refresh_margin/max_tries"},
		{name: "negative attempt timeout", edit: func(a *Account) { a.AttemptTimeout = -time.Second }, wantKey: "probe/attempt_timeout/refresh_margin/max_tries"},
		{name: "probe every 2 ns", edit: func(a *Account) { a.Probe = 2 * time.Nanosecond }, wantKey: "probe"},
		{name: "probe every 100 ms", edit: func(a *Account) { a.Probe = 100 * time.Millisecond }},
		{name: "negative probe", edit: func(a *Account) { a.Probe = -time.Second }, wantKey: "probe/attempt_timeout/refresh_margin/max_tries"},
	}
	for _, tc := range tests {
		a := base
		tc.edit(&a)
		err := a.Validate()
		var ce *ConfigError
		switch {
		case tc.wantKey == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tc.name, err)
		case tc.wantKey != "" && (!errors.As(err, &ce) || ce.Key != tc.wantKey):
			t.Errorf("%s: Validate = %v, want a ConfigError for %s", tc.name, err, tc.wantKey)
		}
	}
}

func TestRetryWait(t *testing.T) {
	a, _ := New(Config{Locator: staticLocator{}, RetryBase: 10 * time.Second, RetryMax: 60 * time.Second})
	for failures, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 4: 60 * time.Second, 10: 60 * time.Second} {
		for range 20 {
			if got := a.retryWait(failures); got > want || got < want/2 {
				t.Fatalf("retryWait(%d) = %v, want in [%v, %v]", failures, got, want/2, want)
			}
		}
	}
}
