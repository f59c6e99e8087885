package dnsclient

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// resolvConf is what the client takes from a resolv.conf(5) file.
type resolvConf struct {
	servers  []string // host:port
	timeout  time.Duration
	attempts int
}

// parseResolvConf reads nameserver lines (IPv4 and IPv6, with an optional
// zone) and the timeout:n and attempts:n options, as resolv.conf(5)
// describes them; other lines are ignored, as the C resolver does. The
// C resolver's caps apply: timeout at most 30 s, attempts at most 5.
func parseResolvConf(r io.Reader) (*resolvConf, error) {
	rc := &resolvConf{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if ip, err := netip.ParseAddr(f[1]); err == nil {
				rc.servers = append(rc.servers, netip.AddrPortFrom(ip, 53).String())
			}
		case "options":
			rc.options(f[1:])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read resolv.conf: %w", err)
	}
	return rc, nil
}

// options applies the timeout: and attempts: options.
func (rc *resolvConf) options(opts []string) {
	for _, o := range opts {
		name, val, ok := strings.Cut(o, ":")
		n, err := strconv.Atoi(val)
		if !ok || err != nil || n < 1 {
			continue
		}
		switch name {
		case "timeout":
			rc.timeout = time.Duration(min(n, 30)) * time.Second
		case "attempts":
			rc.attempts = min(n, 5)
		}
	}
}
