// Package register keeps SIP accounts registered (RFC 3261 §10) with the
// servers RFC 3263 locates, and moves between them when they fail, as the
// failover package decides. It is the client side's one user of sipgo, and
// sipgo never resolves a name here: every request goes to an IP address
// and port that the Locator returned.
//
// Per account, REGISTER requests share one Call-ID and a CSeq that only
// grows (§10.2); the registration is refreshed at 90% of the granted
// expiry (Account.RefreshMargin); 401 and 407 are answered with digest
// credentials (MD5, SHA-256 or SHA-512-256, qop=auth; RFC 8760); a 423 is
// retried with its Min-Expires; and the binding is removed (Expires: 0)
// when Run's context ends.
//
// One attempt is one REGISTER transaction (with the transactions that
// answer a challenge or a 423), bounded by Account.AttemptTimeout (4 s by
// default: UDP retransmissions at 0, 0.5, 1.5 and 3.5 s). A target is left
// after MaxTries unanswered attempts (3), at once on a transport error and
// on 503 (RFC 3263 §4.3). On UDP a closed port is seen at once: each
// target gets its own connected socket, the only kind to which the kernel
// reports ICMP port unreachable. Over TCP and TLS the binding lives on its
// connection (RFC 5626 §4.4): when the server closes or resets it, a round
// starts at once (after a back-off when connections keep closing soon
// after they were made).
//
// With Account.Probe, SIP OPTIONS go to the current target and the better
// ones; a silent current target starts a round at once, and a better one
// that answers again is taken back at once.
//
// What it leaves out: RFC 5626 outbound (reg-id, flow tokens), GRUU, IPv6
// Contact addresses in brackets, and CRLF keep-alives (probes are OPTIONS
// on every transport).
//
// Usage:
//
//	a, err := register.New(register.Config{
//		Accounts: []register.Account{{
//			AOR: "sip:alice@example.com", Password: "secret", Server: "example.com",
//		}},
//		Locator: loc,
//		OnEvent: func(e register.Event) { fmt.Println(e.Kind, e.Target.AddrPort()) },
//	})
//	if err != nil { ... }
//	err = a.Run(ctx) // until ctx is done; then unregisters
package register
