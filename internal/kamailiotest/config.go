package kamailiotest

import (
	_ "embed"
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

// Config describes one Kamailio registrar. The zero value listens on
// 127.0.0.1:5060 over UDP and TCP, knows no users and so challenges every
// REGISTER.
type Config struct {
	Addr       string            // IP address to listen on; default 127.0.0.1
	Port       int               // default 5060
	Transports []string          // "udp", "tcp"; default both
	Realm      string            // digest realm; default the To header's domain
	Users      map[string]string // auth user name -> password
	// MinExpires is the registrar's min_expires: a REGISTER asking for less
	// gets 423 Interval Too Brief with a Min-Expires header (RFC 3261
	// §10.3 step 7). 0 keeps Kamailio's default, 60 s.
	MinExpires int
	Workers    int // UDP children per socket and TCP workers; default 2
	// Keepalive, when not zero, has usrloc send OPTIONS to every contact
	// this many seconds apart (ka_mode 1, timer_interval) and remove a
	// contact that answered none for three rounds (ka_timeout).
	Keepalive int
	// TLS, when set, has Kamailio's tls module (Debian's
	// kamailio-tls-modules) listen on TLSPort with this certificate and
	// key: the "tls" transport, which needs it.
	TLS     *TLS
	TLSPort int // default Port+1 (5061)
}

// TLS is the server side of a TLS listener, PEM-encoded: the certificate
// chain (leaf first) and its private key.
type TLS struct {
	CertPEM, KeyPEM []byte
}

func (c Config) addr() string {
	if c.Addr == "" {
		return "127.0.0.1"
	}
	return c.Addr
}

func (c Config) port() int {
	if c.Port == 0 {
		return 5060
	}
	return c.Port
}

func (c Config) transports() []string {
	if len(c.Transports) == 0 {
		return []string{"udp", "tcp"}
	}
	return c.Transports
}

func (c Config) tlsPort() int {
	if c.TLSPort == 0 {
		return c.port() + 1
	}
	return c.TLSPort
}

func (c Config) workers() int {
	if c.Workers <= 0 {
		return 2
	}
	return c.Workers
}

// pkgMB returns Kamailio's private memory per process in MiB: 8, and
// about 4 KiB more for each user, which Kamailio needs to parse one htable
// assignment in kamailio.cfg (10,000 users take 48 MiB; pages a process
// does not touch cost nothing).
func (c Config) pkgMB() int { return 8 + (len(c.Users)+255)/256 }

// hostPort returns the listening address as host:port.
func (c Config) hostPort() string {
	ap, err := netip.ParseAddr(c.addr())
	if err != nil {
		return fmt.Sprintf("%s:%d", c.addr(), c.port())
	}
	return netip.AddrPortFrom(ap, uint16(c.port())).String()
}

// validate reports the first setting Kamailio could not be given safely:
// names and passwords end up inside kamailio.cfg string literals.
func (c Config) validate() error {
	if _, err := netip.ParseAddr(c.addr()); err != nil {
		return fmt.Errorf("kamailio config: addr %q: %w", c.addr(), err)
	}
	if c.port() < 1 || c.port() > 65535 {
		return fmt.Errorf("kamailio config: port %d out of range", c.port())
	}
	for _, tr := range c.transports() {
		if tr != "udp" && tr != "tcp" && tr != "tls" {
			return fmt.Errorf("kamailio config: transport %q: want udp, tcp or tls", tr)
		}
	}
	if hasTLS := slices.Contains(c.transports(), "tls"); hasTLS != (c.TLS != nil) {
		return fmt.Errorf("kamailio config: the tls transport and a TLS certificate go together (transports %v)", c.transports())
	}
	if c.TLS != nil && (c.tlsPort() < 1 || c.tlsPort() > 65535) {
		return fmt.Errorf("kamailio config: TLS port %d out of range", c.tlsPort())
	}
	if c.Keepalive < 0 {
		return fmt.Errorf("kamailio config: keepalive %d is negative", c.Keepalive)
	}
	if c.MinExpires < 0 {
		return fmt.Errorf("kamailio config: min expires %d is negative", c.MinExpires)
	}
	if err := checkToken(c.Realm, "realm"); err != nil {
		return err
	}
	for u, p := range c.Users {
		if u == "" || p == "" {
			return fmt.Errorf("kamailio config: user %q: empty name or password", u)
		}
		if err := errors.Join(checkToken(u, "user name"), checkToken(p, "password of "+u)); err != nil {
			return err
		}
	}
	return nil
}

// checkToken refuses characters that would end or change a kamailio.cfg
// string literal: quotes, backslashes, pseudo-variable markers, htable key
// separators and control characters.
func checkToken(s, what string) error {
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || strings.ContainsRune(`"\$'=>`, r)
	}); i >= 0 {
		return fmt.Errorf("kamailio config: %s %q: character %q not allowed", what, s, s[i])
	}
	return nil
}

// tmplData is what kamailio.cfg is rendered from.
type tmplData struct {
	Listen     []string
	TCP        bool
	Workers    int
	Ctl        string
	Realm      string
	MinExpires int
	Keepalive  int
	KaTimeout  int
	HTBits     int
	Users      [][2]string
	TLSConfig  string // the tls module's configuration file; "" without TLS
}

func (c Config) data(ctlSocket string) tmplData {
	d := tmplData{Workers: c.workers(), Ctl: ctlSocket, Realm: c.Realm, MinExpires: c.MinExpires, Keepalive: c.Keepalive, KaTimeout: 3 * c.Keepalive}
	if d.Realm == "" {
		d.Realm = "$td"
	}
	for _, tr := range c.transports() {
		port := c.port()
		if tr == "tls" {
			port = c.tlsPort()
			d.TLSConfig = filepath.Join(filepath.Dir(ctlSocket), tlsConfigFile)
		}
		d.Listen = append(d.Listen, fmt.Sprintf("%s:%s:%d", tr, c.addr(), port))
		d.TCP = d.TCP || tr == "tcp" || tr == "tls" // TLS runs over Kamailio's TCP
	}
	for u, p := range c.Users {
		d.Users = append(d.Users, [2]string{u, p})
	}
	slices.SortFunc(d.Users, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	d.HTBits = min(max(bits.Len(uint(len(d.Users))), 4), 16)
	return d
}

// tlsConfigFile, certFile and keyFile are written next to kamailio.cfg
// when the instance has TLS.
const (
	tlsConfigFile = "tls.cfg"
	certFile      = "cert.pem"
	keyFile       = "key.pem"
)

// tlsConfig returns the tls module's configuration for the certificate
// and key in dir: any TLS 1.2 or later client, no client certificate asked.
func tlsConfig(dir string) string {
	return fmt.Sprintf(`[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = %s
private_key = %s

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`, filepath.Join(dir, certFile), filepath.Join(dir, keyFile))
}

// render returns kamailio.cfg for c, its control socket at ctlSocket.
func (c Config) render(ctlSocket string) (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := cfgTemplate.Execute(&b, c.data(ctlSocket)); err != nil {
		return "", fmt.Errorf("render kamailio.cfg: %w", err)
	}
	return b.String(), nil
}

//go:embed kamailio.cfg.tmpl
var cfgText string

var cfgTemplate = template.Must(template.New("kamailio.cfg").Parse(cfgText))
