// Package probe sends one SIP OPTIONS to one target over UDP, TCP or TLS
// and says what happened, as RFC 3261 §11 lets any element ask another
// whether it is alive: a final response (any status proves SIP is there; a
// 503's Retry-After is kept, RFC 3261 §21.5.4), an ICMP port unreachable
// (seen on a connected UDP socket), a refused or reset TCP connection,
// silence, a failed TLS handshake, a certificate that does not name the
// SIP domain (RFC 5922 §7.1-7.3) or one that does not verify, or bytes
// that are not a SIP response.
//
// It is the prober that `siplocate doctor`, register's --probe and the DNS
// server's health checks share. It leaves out authentication, retransmission
// over UDP past the first request (one probe is one datagram: Timer E would
// only blur "silent" and "slow") and any SIP stack: it writes the request
// and reads the response itself, with a size cap, so that a huge, slow or
// garbled answer gives an outcome by the deadline and never blocks.
//
//	res := probe.Probe(ctx, probe.Target{Transport: "udp",
//		Address: netip.MustParseAddr("192.0.2.1"), Port: 5060, Host: "sip1.example.com"},
//		"example.com", probe.Options{Timeout: 2 * time.Second})
//	if res.Outcome != probe.Answered {
//		fmt.Println(res) // "no answer within 2s"
//	}
package probe
