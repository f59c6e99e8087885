// Package locate finds the SIP servers for a URI as RFC 3263 says: NAPTR
// (RFC 3403/3404), then SRV (RFC 2782), then A/AAAA, and returns the targets
// in the order a client should try them.
//
// It speaks its own types (Target, Query, Result) and asks DNS through a
// one-method Resolver that speaks them too (Answer, SRV, NAPTR, Addr,
// CNAME), as the standard library's net package hands out net.SRV: locate
// imports neither miekg/dns nor dnsclient, and a fake Resolver is a few
// lines. Package locatedns adapts a *dnsclient.Client to it. A Resolver
// that also implements CacheResolver lets a fully cached Locate run
// without goroutines, in about a microsecond, with two allocations (the
// Result and its targets) when Options.NoTrace is set.
//
// # Rules followed
//
//   - Input (RFC 3261 §19.1.1): sip: and sips: URIs with user part, host
//     name, IPv4 or [IPv6] host, port and uri-parameters; a bare host,
//     host:port, [IPv6]:port or IPv6 address is read as a sip: URI.
//     "transport" and "maddr" are used, other parameters and the headers
//     after "?" are ignored. TARGET is maddr when present, else the host
//     (RFC 3263 §4). sips: with transport=udp is rejected (RFC 3261
//     §26.2.2). Errors wrap ErrBadURI.
//   - Transport (RFC 3263 §4.1): a transport parameter is used as is
//     (sips: turns tcp into TLS); a numeric IP or an explicit port means UDP
//     for sip: and TLS for sips:, and so does the lack of NAPTR and SRV
//     records. Otherwise NAPTR decides: records whose service the client
//     supports (SIP+D2U, SIP+D2T, SIPS+D2T, SIP+D2S, SIPS+D2S, SIP+D2W,
//     SIPS+D2W; only SIPS ones for sips:) are kept, lowest order first,
//     then by preference. RFC 3403 §4.1 would stop at the first order that
//     matches; RFC 3263 §4.1 reads order as the server's ranking of its
//     transports, so records of higher orders follow as fallbacks (the
//     first targets are the strict rule's choice). Every kept record
//     becomes a transport to try, in that order, so the targets of the
//     second-best transport follow the first's. Flag "S" leads to SRV, "A"
//     to address records, an empty flag to NAPTR at the new name (at most
//     5 lookups, loops detected: ErrLoop). The regexp field is applied to
//     the domain (RFC 3402 §3.2, POSIX leftmost-longest, flag "i", \1-\9).
//     A record with both a regexp and a replacement is ignored, and the
//     trace says so (RFC 3403 §4.1: "mutually exclusive").
//   - A NAPTR record whose SRV name has no SRV records (NXDOMAIN or
//     NODATA) leads to the A/AAAA of the domain, with the transport the
//     record chose, on its default port (RFC 3263 §4.2).
//   - No usable NAPTR (none, NXDOMAIN, all unsupported, or none leading to
//     an address; the last goes beyond the RFC, and the SRV and address
//     questions the NAPTR step asked are not asked again): SRV for each
//     supported transport, queried in parallel
//     and taken in the order of Options.Transports, the client's
//     preference (RFC 3263 leaves the order to the client: "the client MAY
//     use any transport protocol it desires which is supported by the
//     server"). The default is UDP then TCP for sip: and TLS for sips:.
//     TLS always uses _sips._tcp, SCTP _sip._sctp; WS and WSS have no SRV
//     name and are only reached through NAPTR.
//   - No SRV: A/AAAA of the domain on 5060, or 5061 for TLS (RFC 3263 §4.2).
//     An SRV RRset whose targets are all "." means the service is
//     decidedly not available (RFC 2782): ErrNotAvailable, no fallback to
//     address records. Nor is there one when SRV records were found but
//     their targets have no addresses (§4.2 falls back only "if no SRV
//     records were found").
//   - Names that do not exist: after NXDOMAIN for a name, questions about
//     it or names under it are not asked (RFC 2308 §5: the name owns no
//     records of any type; RFC 8020 §2: nothing exists under it). So an
//     NXDOMAIN for the domain's NAPTR ends the resolution in one round
//     trip; the trace lists the SRV and A/AAAA questions with
//     Query.Inferred naming the absent name. After a CNAME the NXDOMAIN
//     speaks of the chain's last name only (RFC 6604 §2).
//   - Order (RFC 2782 "Usage rules"): priority ascending; within a
//     priority, weighted random selection, proportional to the weights
//     whatever the order of the answer; the weight-0 records together
//     keep one chance in sum+1 of coming next (the RFC's "very small
//     chance"), so a weight-0 record is never more likely than a positive
//     one. Go's net package never picks a weight-0 record first, and the
//     RFC's own walk favours the record listed first.
//   - Addresses: A and AAAA (Options.Family) for every SRV target are asked
//     in parallel, so a cold resolution costs three round trips (NAPTR,
//     SRV, address), fewer when the additional section answered (the
//     Resolver's cache holds those records). A target repeated (same
//     transport, address and port) is kept once.
//   - Modes (Options.Mode), as the phone's "DNS Mode": ModeNAPTR is all of
//     the above; ModeSRV starts at SRV; ModeA asks A/AAAA only, on the
//     URI's port or the default; ModeStatic uses PrimaryIP then BackupIPs
//     without DNS. In ModeStatic a SIP server that is already an IP is
//     used as is, and a name with no IP configured is located as ModeNAPTR
//     does, since there is nothing else to send to.
//
// # Results and errors
//
// Each Target carries the transport, address, port, the host it came from,
// the SRV priority and weight, when its records expire (the earliest of
// the NAPTR, SRV and address records), and the records themselves as zone
// text. Result.Queries traces every question in the order it was asked,
// with rcode, answers, TTL, RTT, server and whether it was cached, and
// notes that explain each choice: NAPTR records skipped or kept as
// fallbacks, SRV targets dropped and why (NXDOMAIN, no address records,
// "."), an SRV target that is an alias (RFC 2782 forbids it; it is used
// anyway), steps beyond the RFC, and a hint when a name looks like a zone
// file's name without its trailing dot (x.example.com.example.com.).
//
// Failures are *Error values with the step (URI, NAPTR, SRV, A, AAAA,
// static), the name and the server. Locate returns an error with targets
// when a lookup failed (timeout, SERVFAIL) but others still led somewhere:
// a partial result. Without targets the error names the cause ("all 2
// SRV targets of _sip._udp.example.com. have no address records") and
// wraps why: ErrNXDOMAIN,
// ErrNoRecords, ErrNotAvailable, ErrLoop, ErrBadURI, ErrNoTransport, or
// ErrNoDNSAnswer when no DNS server answered: after one question that
// every server left unanswered, the resolution asks nothing more, and the
// trace lists the questions not asked.
//
// # Left out
//
// RFC 3263 §4.3 and §4.4 (trying the next target on failure, and the
// server side of locating a response's destination) belong to the
// failover and register packages. DNSSEC validation is left to the
// resolver. ENUM (RFC 6116, "E2U+sip" NAPTRs with flag "U") is not SIP
// server location and is skipped. The regexp is Go's RE2 in
// leftmost-longest mode, which rejects a few POSIX ERE constructs.
//
// # Example
//
//	c, err := dnsclient.New(dnsclient.Config{}) // /etc/resolv.conf
//	if err != nil {
//		return err
//	}
//	l := &locate.Locator{Resolver: locatedns.New(c)}
//	res, err := l.Locate(ctx, "sip:alice@example.com", locate.Options{})
//	if len(res.Targets) == 0 {
//		return err // errors.Is(err, locate.ErrNXDOMAIN), ...
//	}
//	for _, t := range res.Targets {
//		fmt.Println(t.Transport, t.AddrPort(), t.Host, t.Priority, t.Weight)
//	}
package locate
