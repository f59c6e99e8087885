package dnsserver

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// notifyAttempts bounds the NOTIFY retransmissions to one secondary
// (RFC 1996 §3.6 leaves the count to the implementation).
const notifyAttempts = 5

func (c *Config) retry() time.Duration {
	if c.notifyRetry > 0 {
		return c.notifyRetry
	}
	return 2 * time.Second
}

// notifyChanged sends NOTIFY for the reloaded zones, whose files changed.
// A zone whose serial did not grow is logged: secondaries transfer only a
// greater serial (RFC 1996 §3.11) and will keep the old copy.
func (s *Server) notifyChanged(old *snapshot, changed []*Zone) {
	for _, z := range changed {
		if o := old.zones[z.Origin]; o != nil && !serialGreater(z.SOA.Serial, o.SOA.Serial) {
			s.log.Warn("zone changed but its SOA serial did not grow: secondaries will keep the old copy",
				"zone", z.Origin, "serial", z.SOA.Serial, "previous_serial", o.SOA.Serial)
		}
	}
	s.notifyAll(changed)
}

// serialGreater reports whether serial a is greater than b in the serial
// number arithmetic of RFC 1982 §3.2.
func serialGreater(a, b uint32) bool { return int32(a-b) > 0 }

// notifyAll sends NOTIFY for each zone to every configured secondary, in
// the background.
func (s *Server) notifyAll(zones []*Zone) {
	for _, z := range zones {
		for _, target := range s.cfg.Notify {
			s.wg.Go(func() {
				if err := s.notify(s.ctx, z, target); err != nil {
					s.log.Warn("notify failed", "zone", z.Origin, "to", target, "err", err)
				}
			})
		}
	}
}

// notify tells one secondary that zone z changed (RFC 1996 §3.7: opcode
// NOTIFY, AA, the SOA question and the new SOA in the answer), retrying
// until the secondary acknowledges or attempts run out (§3.6).
func (s *Server) notify(ctx context.Context, z *Zone, target string) error {
	c := s.notifyClient()
	var err error
	for i := range notifyAttempts {
		if i > 0 && !sleepCtx(ctx, s.cfg.retry()) {
			return ctx.Err()
		}
		var r *dns.Msg
		r, _, err = c.ExchangeContext(ctx, s.notifyMsg(z), target)
		if err == nil && r.Rcode == dns.RcodeSuccess {
			s.log.Info("notify acknowledged", "zone", z.Origin, "serial", z.SOA.Serial, "to", target)
			return nil
		}
		if err == nil {
			err = fmt.Errorf("notify %s for %s: %s", target, z.Origin, dns.RcodeToString[r.Rcode])
		}
	}
	return err
}

// notifyMsg builds the NOTIFY for z, signed with the first TSIG key if any.
func (s *Server) notifyMsg(z *Zone) *dns.Msg {
	m := new(dns.Msg)
	m.SetNotify(z.Origin)
	m.Answer = []dns.RR{z.SOA}
	if len(s.cfg.TSIG) > 0 {
		k := s.cfg.TSIG[0]
		m.SetTsig(dns.CanonicalName(k.Name), k.Algorithm, 300, s.now().Unix())
	}
	return m
}

// notifyClient sends from the server's own IP address when it listens on
// one, so that secondaries' ACLs can name the primary by address.
func (s *Server) notifyClient() *dns.Client {
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second, TsigSecret: s.cfg.tsigSecrets()}
	if a, ok := s.Addr().(*net.UDPAddr); ok && !a.IP.IsUnspecified() {
		c.Dialer = &net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.UDPAddr{IP: a.IP}}
	}
	return c
}

// sleepCtx waits for d or ctx; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
