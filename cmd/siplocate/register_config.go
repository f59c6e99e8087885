package main

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
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
	DNS        []string `toml:"dns"`         // name servers, host:port
	DNSTimeout duration `toml:"dns_timeout"` // per query attempt
	Metrics    string   `toml:"metrics"`     // address for /metrics
	// StartSpread spreads the accounts' first registrations (register.Config.StartSpread).
	StartSpread duration `toml:"start_spread"`
	// Bind and ContactHost are the accounts' defaults for the keys of
	// the same names.
	Bind        string           `toml:"bind"`
	ContactHost string           `toml:"contact_host"`
	Tables      []toml.Primitive `toml:"account"` // decoded one by one into Accounts
	Accounts    []phoneAccount   `toml:"-"`
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
	Bind               string   `toml:"bind"`         // local ip[:port] of the SIP sockets, in Via and Contact
	ContactHost        string   `toml:"contact_host"` // host[:port] in the Contact instead of the local address

	// refused says why the table could not be read (an unknown key, a
	// value of the wrong type); the account is refused and the others go on.
	refused *register.ConfigError
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

// parsePhoneFile parses the TOML text. A typo must not silently leave a
// setting at its default: an unknown top-level key makes the file an
// error, and an [[account]] table with an unknown key or a value of the
// wrong type is kept, refused, so that the other accounts go on.
func parsePhoneFile(name, text string) (*phoneFile, error) {
	var f phoneFile
	md, err := toml.Decode(text, &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		if k[0] != "account" {
			unknown = append(unknown, k.String())
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s: unknown keys: %s", name, strings.Join(unknown, ", "))
	}
	for i, t := range f.Tables {
		p := decodeAccount(md, t, i)
		p.Bind = cmp.Or(p.Bind, f.Bind)
		p.ContactHost = cmp.Or(p.ContactHost, f.ContactHost)
		f.Accounts = append(f.Accounts, p)
	}
	return &f, nil
}

// decodeAccount decodes the i-th [[account]] table; a table that cannot be
// read comes back with refused set, naming the key.
func decodeAccount(md toml.MetaData, t toml.Primitive, i int) phoneAccount {
	var keys map[string]any
	var p phoneAccount
	if err := md.PrimitiveDecode(t, &keys); err != nil {
		p.refused = &register.ConfigError{Account: tableLabel(nil, i), Key: "account", Reason: err.Error()}
		return p
	}
	refuse := func(key, reason string) phoneAccount {
		return phoneAccount{refused: &register.ConfigError{Account: tableLabel(keys, i), Key: key, Reason: reason}}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !isAccountKey(k) {
			return refuse(k, "unknown key")
		}
	}
	if err := md.PrimitiveDecode(t, &p); err != nil {
		return refuse(tomlErrorKey(err))
	}
	return p
}

// tableLabel names an account in a refusal: its name, its user ID, or its
// place in the file.
func tableLabel(keys map[string]any, i int) string {
	for _, k := range []string{"name", "sip_user_id"} {
		if v, ok := keys[k].(string); ok && v != "" {
			return v
		}
	}
	return fmt.Sprintf("[[account]] #%d", i+1)
}

// tomlErrorKey returns the key of an account's decoding error and the
// reason. The toml package gives a ParseError for a value its type rejects
// (a bad duration) and a plain error naming the key ("toml: line 3 (last
// key "account.max_tries"): incompatible types...") for a value of the
// wrong TOML type.
func tomlErrorKey(err error) (key, reason string) {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return strings.TrimPrefix(pe.LastKey, "account."), pe.Message
	}
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, `(last key "account.`); ok {
		if k, reason, ok := strings.Cut(rest, `"): `); ok {
			return k, reason
		}
	}
	return "account", msg
}

// isAccountKey reports whether k is a key of an [[account]] table: one of
// phoneAccount's tags.
func isAccountKey(k string) bool {
	t := reflect.TypeFor[phoneAccount]()
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("toml"); tag == k && tag != "-" {
			return true
		}
	}
	return false
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
		Bind: p.Bind, ContactHost: p.ContactHost,
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
