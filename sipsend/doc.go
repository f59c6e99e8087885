// Package sipsend sends one SIP request where RFC 3263 says, failing over
// per §4.3, on a sipgo client: it is a drop-in for sipgo's Client.Do in
// programs that already build their requests.
//
// Do locates the request's next hop (the top Route, loose routing as RFC
// 3261 §8.1.2 says; else Options.OutboundProxy; else the Request-URI) with
// a Locator, and tries the targets in order, each in a client transaction
// of its own (a new Via branch; the same Call-ID and CSeq), sent to the
// target's address and transport: sipgo never resolves a name. It moves to
// the next target when an attempt times out (sipgo's Timer B/F, or
// Options.AttemptTimeout), fails at the transport (ICMP port unreachable,
// seen at once through connected UDP sockets; a refused TCP connection; a
// failed TLS handshake) or is answered 503; 408 and other 5xx move on only
// when Options.NextOn says so; any other final response ends the search.
// A 3xx is such a response: Do returns it and never follows its Contact
// (recursing is the caller's choice, RFC 3261 §8.1.3.4), so a redirect
// loop costs one attempt. A response that is not the request's (another
// Call-ID, CSeq or From tag, RFC 3261 §8.1.3.3) is dropped with a logged
// reason (Options.Logger) and the attempt waits on.
//
// What Do learns it keeps in a failover.Health shared by every request
// (and the register package's accounts): a dead target, or one that said
// 503 with Retry-After, is tried last until its time is up (every hold is
// capped, five minutes by default). In-dialog requests (a To tag; RFC 3261
// §12.2) are never relocated: they go once, as sipgo would send them.
//
// Do returns the final response and a Trace of the attempts (target,
// outcome, time); Options.OnEvent sees them as they happen.
//
// TCP and TLS: with Options.Streams, connections are made by sipsend: a
// TLS server's certificate is checked for the SIP domain, the host of the
// URI located (RFC 5922 §4), not for the target's address as sipgo's
// dialer would, and a connection reset or closed under a transaction ends
// the attempt at once as a transport error.
//
// What it leaves out: RFC 3261 §12.2.1.1 strict routing (a Route without
// lr is located like a loose one), and finding by itself
// the server an account is registered with (the caller names it in
// Options.Registered, and it is tried first: server affinity).
//
// Usage, replacing client.Do(ctx, req):
//
//	tl := client.TransportLayer()
//	opts := sipsend.Options{Locator: loc, Health: health, UDP: sipsend.NewUDP(tl), Streams: sipsend.NewStreams(tl, nil)}
//	res, trace, err := sipsend.Do(ctx, client, req, opts)
package sipsend
