package dnsclient

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// tryServers asks the name servers about (name, qtype) until one gives a
// usable answer: NOERROR or NXDOMAIN. Like the C and Go resolvers it makes
// one pass over the servers per attempt, so a dead first server costs one
// timeout, not Attempts of them. A timeout, SERVFAIL, REFUSED, NOTIMP,
// FORMERR or malformed answer moves on to the next server (RFC 1035
// §7.2, RFC 2308 §7.1); NXDOMAIN is final, since another server of the
// same zone would say the same. It returns the last error and the server
// that gave it when none answered.
func (c *Client) tryServers(ctx context.Context, name string, qtype uint16) (*dns.Msg, string, time.Duration, error) {
	var lastErr error
	lastServer := ""
	for attempt := range c.cfg.attempts() {
		for _, server := range c.servers {
			if err := ctx.Err(); err != nil {
				return nil, lastServer, 0, withLast(err, lastErr)
			}
			r, rtt, err := c.exchangeTC(ctx, server, c.newQuery(name, qtype))
			if err == nil {
				err = c.rcodeError(r)
			}
			if err == nil {
				return r, server, rtt, nil
			}
			c.log.Debug("query failed", "name", name, "type", dns.Type(qtype).String(),
				"server", server, "attempt", attempt+1, "err", err)
			lastErr, lastServer = err, server
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, lastServer, 0, withLast(err, lastErr) // the caller's deadline, not the servers
	}
	return nil, lastServer, 0, lastErr
}

// rcodeError returns the error an rcode stands for; nil for NOERROR and
// NXDOMAIN, which are answers.
func (c *Client) rcodeError(r *dns.Msg) error {
	switch r.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
		return nil
	case dns.RcodeRefused:
		c.stats.serverErrs.Add(1)
		return ErrRefused
	default:
		c.stats.serverErrs.Add(1)
		return fmt.Errorf("%w: rcode %s", ErrServerFailure, dns.RcodeToString[r.Rcode])
	}
}

// withLast adds the last server's error to a context error.
func withLast(err, last error) error {
	if last == nil {
		return err
	}
	return fmt.Errorf("%w (last error: %v)", err, last)
}
