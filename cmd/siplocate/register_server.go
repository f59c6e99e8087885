package main

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/register"
)

// expandServer turns a sip_server (--server) given as a SIP URI,
// "sip:alice@example.com:5070;transport=tcp", into the account's settings
// (issue 14): the user part is the SIP user ID, the host and port are the
// server, a transport= parameter (RFC 3261 §19.1.1) is the one transport,
// and a sips: scheme means TLS only and a sips: AOR (RFC 3261 §19.1, RFC
// 3263 §4.1). A server that is not a URI is left as it is. A URI that
// contradicts another setting is refused with the key.
func (p *phoneAccount) expandServer() *register.ConfigError {
	scheme, _, ok := strings.Cut(p.SIPServer, ":")
	if !ok || !strings.EqualFold(scheme, "sip") && !strings.EqualFold(scheme, "sips") {
		return nil
	}
	bad := func(key, format string, a ...any) *register.ConfigError {
		return &register.ConfigError{Account: labelOf(p), Key: key, Reason: fmt.Sprintf(format, a...)}
	}
	u, err := locate.ParseURI(p.SIPServer)
	if err != nil || u.Host == "" {
		return bad("server", "%q: want a domain, IP[:port] or sip:[user@]host[:port]", p.SIPServer)
	}
	if u.User != "" && p.UserID != "" && u.User != p.UserID {
		return bad("server", "%q: its user %s is not sip_user_id %s", p.SIPServer, u.User, p.UserID)
	}
	if err := p.uriTransports(u); err != nil {
		return bad("transports", "%v: %v", p.Transports, err)
	}
	if p.UserID == "" {
		p.UserID = u.User
	}
	host := u.Host
	if u.IP.Is6() {
		host = "[" + host + "]"
	}
	if p.AOR == "" && p.UserID != "" {
		scheme := "sip"
		if u.Secure {
			scheme = "sips"
		}
		p.AOR = scheme + ":" + p.UserID + "@" + host
	}
	p.SIPServer = host
	if u.Port != 0 {
		p.SIPServer = net.JoinHostPort(u.Host, strconv.Itoa(int(u.Port)))
	}
	return nil
}

// uriTransports sets the transports a server URI names, or refuses
// transports that contradict them.
func (p *phoneAccount) uriTransports(u locate.URI) error {
	var want string
	switch {
	case u.Transport != "":
		want = string(u.Transport)
	case u.Secure:
		want = string(locate.TLS)
	default:
		return nil
	}
	if len(p.Transports) == 0 {
		p.Transports = []string{want}
		return nil
	}
	if slices.ContainsFunc(p.Transports, func(t string) bool { return !strings.EqualFold(strings.TrimSpace(t), want) }) {
		if u.Transport != "" {
			return fmt.Errorf("the server URI says transport=%s", want)
		}
		return fmt.Errorf("a sips: server wants %s", want)
	}
	return nil
}

// labelOf names an account in a refusal: its name, else its user ID.
func labelOf(p *phoneAccount) string {
	if p.Name != "" {
		return p.Name
	}
	return p.UserID
}
