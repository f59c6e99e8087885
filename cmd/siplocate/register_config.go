package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
)

// phoneFile is the TOML file of `siplocate register --config`: settings
// for the whole process, then one [[account]] table per account. The keys
// mirror the phone's settings; docs/register.md has the table.
type phoneFile struct {
	DNS        []string       `toml:"dns"`         // name servers, host:port
	DNSTimeout duration       `toml:"dns_timeout"` // per query attempt
	Metrics    string         `toml:"metrics"`     // address for /metrics
	Accounts   []phoneAccount `toml:"account"`
}

// phoneAccount is one [[account]] table.
type phoneAccount struct {
	Name               string   `toml:"name"`
	UserID             string   `toml:"sip_user_id"`
	AOR                string   `toml:"aor"` // default sip:<sip_user_id>@<sip_server host>
	AuthID             string   `toml:"authenticate_id"`
	Password           string   `toml:"authenticate_password"`
	SIPServer          string   `toml:"sip_server"`
	OutboundProxy      string   `toml:"outbound_proxy"`
	DNSMode            string   `toml:"dns_mode"`
	FailoverMode       string   `toml:"failover_mode"`
	PrimaryIP          string   `toml:"primary_ip"`
	BackupIPs          []string `toml:"backup_ips"`
	RegisterExpiration duration `toml:"register_expiration"`
	Transports         []string `toml:"transports"`
	Contact            string   `toml:"contact"`
	RefreshMargin      duration `toml:"refresh_margin"`
	MaxTries           int      `toml:"max_tries"`
	AttemptTimeout     duration `toml:"attempt_timeout"`
	Probe              duration `toml:"probe"`
}

// duration is a TOML string such as "3600s", "60m" or "2s".
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as 3600s or 60m: %w", err)
	}
	d.Duration = v
	return nil
}

// parsePhoneFile parses the TOML text. Unknown keys are an error: a typo
// must not silently leave a setting at its default.
func parsePhoneFile(name, text string) (*phoneFile, error) {
	var f phoneFile
	md, err := toml.Decode(text, &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%s: unknown keys: %s", name, strings.Join(keys, ", "))
	}
	return &f, nil
}

// account turns a table into a register.Account. Values that cannot even
// be converted (a transport that does not exist) are left for Validate to
// refuse with the key, so the other accounts go on.
func (p phoneAccount) account() register.Account {
	a := register.Account{
		Name: p.Name, AOR: p.AOR, AuthUser: p.AuthID, Password: p.Password,
		Server: p.SIPServer, OutboundProxy: p.OutboundProxy,
		DNSMode: locate.Mode(p.DNSMode), FailoverMode: failover.Mode(p.FailoverMode),
		PrimaryIP: p.PrimaryIP, BackupIPs: p.BackupIPs,
		Expires: p.RegisterExpiration.Duration, Contact: p.Contact,
		RefreshMargin: p.RefreshMargin.Duration, MaxTries: p.MaxTries,
		AttemptTimeout: p.AttemptTimeout.Duration, Probe: p.Probe.Duration,
	}
	for _, t := range p.Transports {
		a.Transports = append(a.Transports, locate.Transport(strings.ToLower(strings.TrimSpace(t))))
	}
	if a.AOR == "" && p.UserID != "" {
		a.AOR = "sip:" + p.UserID + "@" + hostOnly(a.Server)
	}
	return a
}

// hostOnly strips a port from host[:port].
func hostOnly(s string) string {
	if i := strings.LastIndexByte(s, ':'); i > 0 && !strings.HasSuffix(s, "]") && strings.Count(s, ":") == 1 {
		return s[:i]
	}
	return s
}
