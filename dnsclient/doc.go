// Package dnsclient asks DNS questions for the SIP locator: one (name, type)
// at a time, to the configured name servers, over UDP with EDNS0 and over
// TCP when the answer is truncated, following CNAME chains, with a TTL cache
// that also keeps negative answers (RFC 2308).
//
// It is a stub resolver (RFC 1034 §5.3.1): it sends recursive queries to
// the servers of resolv.conf(5) or of Config.Servers and trusts their
// answers, within these rules:
//
//   - Wire: UDP with EDNS0 advertising 1232 bytes (RFC 6891, RFC 8900);
//     the same question again over TCP when TC is set (RFC 7766 §5). Query
//     IDs come from crypto/rand. Each exchange uses a connected UDP socket,
//     so the kernel drops datagrams from other sources; answers with
//     another ID, question (name compared case-insensitively, type, class)
//     or without the QR bit are dropped and counted, and the client keeps
//     waiting for the right one until the attempt's deadline (RFC 5452
//     §4.3).
//   - Servers: Config.Attempts passes over the servers, Config.Timeout per
//     exchange. A timeout, SERVFAIL, REFUSED, NOTIMP, FORMERR or a
//     malformed answer moves on to the next server; NXDOMAIN is final.
//     A lookup never takes longer than its context allows, nor than
//     Timeout × Attempts × servers for each query of its CNAME chain.
//   - CNAME: chains are followed inside an answer and, when an answer ends
//     at a CNAME without the target's RRset, by querying the target
//     (RFC 1034 §5.3.3). At most 8 links; a loop is ErrCNAMELoop, a longer
//     chain ErrCNAMEChain.
//   - Cache: keyed by (lower-cased name, type). Positive answers live for
//     the smallest TTL of the RRset and of the CNAME links; NXDOMAIN and
//     NODATA for min(SOA TTL, SOA MINIMUM) of the SOA in the authority
//     section (RFC 2308 §5), and are not cached without one. MinTTL and
//     MaxTTL clamp both. Concurrent lookups of one key share one query,
//     which is cancelled when every lookup waiting for it has given up. When full, a new key evicts a random entry,
//     preferring an expired one.
//   - Additional section: A, AAAA and SRV records are cached as their own
//     (name, type) entries, and returned in Answer.Extra, only when they
//     lie at or below the question's domain: the question name without
//     its leading underscore labels (an answer for _sip._udp.example.com
//     may carry sip1.example.com, never sip1.example.net or
//     sip.other.com). An SOA or NS record in the authority section may
//     narrow that zone, never widen it: the client follows no
//     delegations, so it cannot know that the server answers for an
//     ancestor. Others are ignored and counted. They never replace a
//     valid cached answer (RFC 2181 §5.4.1).
//
// It leaves out search lists and ndots (the locator asks fully qualified
// names), DNSSEC validation, DNS over TLS or HTTPS, and IPv6 zone
// selection beyond what resolv.conf names.
//
// A cached Lookup does not allocate: it returns the Answer held by the
// cache, which callers must treat as read-only.
//
// Usage:
//
//	c, err := dnsclient.New(dnsclient.Config{Servers: []string{"127.0.0.1:5353"}})
//	if err != nil {
//		return err
//	}
//	a, err := c.Lookup(ctx, "_sip._udp.example.com", dns.TypeSRV)
//	var derr *dnsclient.Error
//	switch {
//	case errors.As(err, &derr) && derr.Timeout:
//		return fmt.Errorf("no name server answered: %w", err)
//	case err != nil:
//		return err
//	case a.NotFound():
//		// NXDOMAIN or NODATA: fall through to the next RFC 3263 step
//	}
//	for _, rr := range a.Records {
//		fmt.Println(rr.String(), "expires in", a.TTL(time.Now()))
//	}
package dnsclient
