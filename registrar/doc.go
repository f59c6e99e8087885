// Package registrar implements a SIP registrar (RFC 3261 §10.3) for labs
// and tests, on github.com/emiago/sipgo: bindings per address-of-record in
// memory, each contact with its expiry; digest authentication (RFC 3261
// §22, RFC 2617, RFC 8760 SHA-256) with HMAC-signed nonces bound to the
// client's IP and AOR, and replays refused by nonce count (RFC 7616 §3.4);
// 423 Interval Too Brief with Min-Expires; OPTIONS answered; 405 for the
// other methods; 505 for SIP versions other than 2.0. It holds under load
// it did not ask for: at most MaxContacts bindings per AOR, and none whose
// 200 OK could not be sent over UDP; TCP connections capped in total and
// per IP address, closed when idle, and accepts retried after a back-off
// when descriptors run out. For failover labs it plays faults on demand: silence,
// 503 with Retry-After, refused TCP connections, or a real stop that
// closes every socket.
//
// It leaves out what a lab does not need: persistence (bindings are lost
// with the process), Path and GRUU (RFC 3327, RFC 5627), outbound
// (RFC 5626), q-value ordering, TLS and WebSocket, and any Request-URI
// domain check (every domain is served).
//
// A registrar embedded in a test or a demo:
//
//	r, err := registrar.New(registrar.Config{
//		Listen:  []registrar.Listen{{Network: "udp", Addr: "127.0.0.1:0"}},
//		Users:   registrar.Users{"alice": "secret"},
//		OnEvent: func(e registrar.Event) { fmt.Println(e) },
//	})
//	if err != nil { ... }
//	if err := r.Start(); err != nil { ... }
//	defer r.Stop()
//	addr := r.Addrs()[0].Addr            // the port picked for :0
//	r.SetFault(registrar.Fault{Kind: registrar.FaultSilent})
//	fmt.Println(r.Bindings())
//
// sipgo keeps its RFC 3261 transaction timers (sip.T1, T2, T4) in package
// variables; the registrar does not change them. It gives sipgo its own
// logger, never sipgo's global default.
package registrar
