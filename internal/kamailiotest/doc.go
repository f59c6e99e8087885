// Package kamailiotest starts Kamailio (Debian's 5.6 package) as a SIP
// registrar for interop tests: an RFC 3261 §10.3 registrar with its
// location table in memory (usrloc db_mode 0), digest authentication
// (RFC 3261 §22, RFC 2617 qop=auth) against a fixed set of users, 423
// Interval Too Brief below a configured minimum expiry, and 200 OK to
// OPTIONS. It needs no database: the users live in an htable filled from
// the generated kamailio.cfg when Kamailio starts.
//
// Each Instance runs in a process group of its own, so a test can kill it
// (its ports close, and the kernel answers with ICMP port unreachable or a
// TCP reset), pause it with SIGSTOP (it goes silent: every forked child is
// stopped), resume it and restart it on the same address. Its location
// table is read through kamcmd and its own control socket (Locations for
// small tables, Lookup and Count at any size), so a test can check what
// Kamailio saw, not only what the client says it did; Log returns its log,
// where every REGISTER and OPTIONS leaves a line with a timestamp
// ("siplocate: ...", t=seconds.microseconds).
//
// With Config.TLS it listens on TLS too, through its tls module (Debian's
// kamailio-tls-modules), with the certificate the test made; it asks for no
// client certificate. It leaves out SCTP, WebSocket and any routing beyond REGISTER and OPTIONS: other requests get
// 405.
//
// Two instances can run at once on different addresses; each gets its own
// directory for kamailio.cfg, control socket and PID file. Tests that use
// it are interop tests (testenv.RequireInterop):
//
//	k := kamailiotest.Start(t, kamailiotest.Config{
//		Addr:  "127.0.0.13",
//		Port:  5060,
//		Users: map[string]string{"alice": "secret"},
//	})
//	// ... register alice ...
//	bs := k.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR("alice@example.test"))
//	k.Pause()  // silent
//	k.Resume() // answering again
//	k.Kill()   // port closed
//	k.Restart(t)
package kamailiotest
