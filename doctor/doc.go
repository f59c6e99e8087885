// Package doctor checks a SIP domain end to end, live, and says what is
// wrong with the RFC behind each finding (issue 11): the RFC 3263 chain
// (NAPTR, SRV per transport, A/AAAA) located with a trace; the rules of
// package zonecheck applied to the records the live answers hold, with the
// same ids; what only a live check sees (answers that do not fit 512 bytes
// without EDNS, name servers of the zone that disagree, TTLs that make
// failback slower than a registration, single-family targets); then every
// target probed in parallel with package probe (SIP OPTIONS; RFC 5922 for
// TLS).
//
// Hostile answers are bounded: the first 64 targets are probed (more is a
// too-many-targets warning), the first 8 name servers and 8 of their
// addresses asked, each at once; every query and probe ends by the
// timeout.
//
// It leaves out DNSSEC, the certificate's revocation and anything that
// needs credentials (REGISTER).
//
//	rep, err := doctor.Check(ctx, "example.com", doctor.Config{Resolver: r})
//	for _, f := range rep.Findings {
//		fmt.Println(f) // "error srv-target-cname _sip._udp.example.com. SRV ...: ..."
//	}
package doctor
