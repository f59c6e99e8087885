// Package dnstest is the test kit for DNS clients: an in-process miekg/dns
// server on a loopback port (UDP and TCP on the same port) with its own
// handler and a log of the queries it received, handlers that misbehave on
// purpose (delay, truncate, never answer, reply with the wrong ID first),
// a small authoritative zone handler, and helpers that build records from
// zone text.
//
// NewMemServer gives the same server without sockets: its Dial method
// (the shape of dnsclient.Config.Dial) hands out in-memory connections,
// so tests can run inside a testing/synctest bubble where timeouts pass
// in fake time.
//
// It never registers on miekg's DefaultServeMux, so tests can run in
// parallel. Typical use:
//
//	zone := dnstest.NewZone(
//		"example.com. 300 IN SOA ns.example.com. host.example.com. 1 3600 600 86400 60",
//		"_sip._udp.example.com. 300 IN SRV 10 60 5060 sip1.example.com.",
//		"sip1.example.com. 300 IN A 192.0.2.1",
//	)
//	srv := dnstest.NewServer(t, dnstest.Delay(20*time.Millisecond, zone))
//	// ... point the client at srv.Addr ...
//	if n := srv.Count(); n != 1 { t.Errorf("queries on the wire = %d, want 1", n) }
package dnstest
