package locate

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// guideZone is the guide's setup in zone text: NAPTR for UDP and TCP, SRV
// with two priorities, A and AAAA.
var guideZone = []string{
	`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
	`example.com. 300 IN NAPTR 10 20 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
	`_sip._udp.example.com. 120 IN SRV 10 0 5060 sip1.example.com.`,
	`_sip._udp.example.com. 120 IN SRV 20 0 5062 sip2.example.com.`,
	`_sip._tcp.example.com. 120 IN SRV 10 0 5060 sip1.example.com.`,
	`sip1.example.com. 60 IN A 192.0.2.13`,
	`sip1.example.com. 60 IN AAAA 2001:db8::13`,
	`sip2.example.com. 60 IN A 192.0.2.12`,
}

// rfc3263Case is a case of TestLocateRFC3263: a zone, a URI and what
// Locate must make of them.
type rfc3263Case struct {
	name        string
	zone        []string
	uri         string
	opts        Options
	wantTargets []string
	wantQueries []string
	wantErr     error
}

func TestLocateRFC3263(t *testing.T) {
	for _, tt := range rfc3263Cases() {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newTestLocator(newFake(tt.zone...)).Locate(context.Background(), tt.uri, tt.opts)
			checkCase(t, tt.uri, res, err, tt.wantTargets, tt.wantQueries, tt.wantErr)
		})
	}
}

// rfc3263Cases returns RFC 3263's rules as cases; package locatedns runs
// them on a real dnsclient asking an in-process DNS server as well
// (export_test.go).
func rfc3263Cases() []rfc3263Case {
	return []rfc3263Case{
		{
			name:        "numeric IPv4: no DNS, UDP on 5060 (§4.1, §4.2)",
			uri:         "sip:alice@192.0.2.1",
			wantTargets: []string{"udp 192.0.2.1:5060  p0 w0"},
		},
		{
			name:        "numeric IPv6 sips: TLS on 5061",
			uri:         "sips:[2001:db8::1]",
			wantTargets: []string{"tls [2001:db8::1]:5061  p0 w0"},
		},
		{
			name:        "numeric IP with transport and port",
			uri:         "sip:192.0.2.1:5080;transport=tcp",
			wantTargets: []string{"tcp 192.0.2.1:5080  p0 w0"},
		},
		{
			name:        "maddr is the TARGET (§4)",
			zone:        guideZone,
			uri:         "sip:example.com;maddr=192.0.2.99",
			wantTargets: []string{"udp 192.0.2.99:5060  p0 w0"},
		},
		{
			name:        "explicit port: A and AAAA only (§4.2)",
			zone:        guideZone,
			uri:         "sip:sip1.example.com:5080",
			wantTargets: []string{"udp 192.0.2.13:5080 sip1.example.com p0 w0", "udp [2001:db8::13]:5080 sip1.example.com p0 w0"},
			wantQueries: []string{"A sip1.example.com.", "AAAA sip1.example.com."},
		},
		{
			name:        "transport=tcp: SRV for TCP only (§4.1)",
			zone:        guideZone,
			uri:         "sip:example.com;transport=tcp",
			wantTargets: []string{"tcp 192.0.2.13:5060 sip1.example.com p10 w0", "tcp [2001:db8::13]:5060 sip1.example.com p10 w0"},
			wantQueries: []string{"SRV _sip._tcp.example.com.", "A sip1.example.com.", "AAAA sip1.example.com."},
		},
		{
			name:        "sips transport=tcp: _sips._tcp, TLS",
			zone:        []string{`_sips._tcp.example.com. 60 IN SRV 0 0 5061 tls.example.com.`, `tls.example.com. 60 IN A 192.0.2.5`},
			uri:         "sips:example.com;transport=tcp",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tls 192.0.2.5:5061 tls.example.com p0 w0"},
			wantQueries: []string{"SRV _sips._tcp.example.com.", "A tls.example.com."},
		},
		{
			name:        "transport=tcp without SRV: A on 5060 over TCP",
			zone:        []string{`example.com. 60 IN A 192.0.2.7`},
			uri:         "example.com;transport=tcp",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tcp 192.0.2.7:5060 example.com p0 w0"},
			wantQueries: []string{"SRV _sip._tcp.example.com.", "A example.com."},
		},
		{
			name: "NAPTR, then SRV, then A/AAAA in parallel (the guide)",
			zone: guideZone,
			uri:  "sip:alice@example.com",
			wantTargets: []string{
				"udp 192.0.2.13:5060 sip1.example.com p10 w0", "udp [2001:db8::13]:5060 sip1.example.com p10 w0",
				"udp 192.0.2.12:5062 sip2.example.com p20 w0",
				"tcp 192.0.2.13:5060 sip1.example.com p10 w0", "tcp [2001:db8::13]:5060 sip1.example.com p10 w0",
			},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._udp.example.com.", "SRV _sip._tcp.example.com.",
				"A sip1.example.com.", "AAAA sip1.example.com.", "A sip2.example.com.", "AAAA sip2.example.com."},
		},
		{
			name:        "NAPTR preference decides the transport order",
			zone:        append(slices.Clone(guideZone[2:]), `example.com. 300 IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp.example.com.`, `example.com. 300 IN NAPTR 10 20 "s" "sip+d2t" "" _sip._tcp.example.com.`),
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tcp 192.0.2.13:5060 sip1.example.com p10 w0", "udp 192.0.2.13:5060 sip1.example.com p10 w0", "udp 192.0.2.12:5062 sip2.example.com p20 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._tcp.example.com.", "SRV _sip._udp.example.com.", "A sip1.example.com.", "A sip2.example.com."},
		},
		{
			name: "NAPTR: lowest order first, higher orders after as fallbacks",
			zone: append(slices.Clone(guideZone[2:]), `example.com. 300 IN NAPTR 20 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`example.com. 300 IN NAPTR 10 90 "S" "SIP+D2T" "" _sip._tcp.example.com.`),
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tcp 192.0.2.13:5060 sip1.example.com p10 w0", "udp 192.0.2.13:5060 sip1.example.com p10 w0", "udp 192.0.2.12:5062 sip2.example.com p20 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._tcp.example.com.", "SRV _sip._udp.example.com.", "A sip1.example.com.", "A sip2.example.com."},
		},
		{
			name: "NAPTR: unsupported services skipped, lower order than the supported one",
			zone: append(slices.Clone(guideZone[2:]), `example.com. 300 IN NAPTR 5 10 "S" "SIPS+D2T" "" _sips._tcp.example.com.`,
				`example.com. 300 IN NAPTR 6 10 "U" "E2U+sip" "!^.*$!sip:x@y!" .`,
				`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`),
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"udp 192.0.2.13:5060 sip1.example.com p10 w0", "udp 192.0.2.12:5062 sip2.example.com p20 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._udp.example.com.", "A sip1.example.com.", "A sip2.example.com."},
		},
		{
			name: "sips: keeps only TLS services",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`example.com. 300 IN NAPTR 10 20 "S" "SIPS+D2T" "" _sips._tcp.example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 udp.example.com.`,
				`_sips._tcp.example.com. 60 IN SRV 0 0 5061 tls.example.com.`, `tls.example.com. 60 IN A 192.0.2.5`},
			uri:         "sips:bob@example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tls 192.0.2.5:5061 tls.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sips._tcp.example.com.", "A tls.example.com."},
		},
		{
			name: `NAPTR flag "A": address records of the replacement, default port`,
			zone: []string{`example.com. 300 IN NAPTR 10 10 "A" "SIP+D2T" "" proxy.example.com.`,
				`proxy.example.com. 60 IN A 192.0.2.9`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tcp 192.0.2.9:5060 proxy.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "A proxy.example.com."},
		},
		{
			name: "NAPTR with empty flags: NAPTR on the new name",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "" "" "" sip.example.net.`,
				`sip.example.net. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.net.`,
				`_sip._udp.example.net. 60 IN SRV 0 0 5060 a.example.net.`, `a.example.net. 60 IN A 192.0.2.3`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"udp 192.0.2.3:5060 a.example.net p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "NAPTR sip.example.net.", "SRV _sip._udp.example.net.", "A a.example.net."},
		},
		{
			name: "NAPTR loop: error noted, then SRV fallback",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "" "" "" loop.example.com.`,
				`loop.example.com. 300 IN NAPTR 10 10 "" "" "" example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.3`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only, Transports: []Transport{UDP}},
			wantTargets: []string{"udp 192.0.2.3:5060 a.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "NAPTR loop.example.com.", "SRV _sip._udp.example.com.", "A a.example.com."},
			wantErr:     ErrLoop,
		},
		{
			name: "NAPTR regexp rewrites the domain (RFC 3402 §3.2)",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "!^(.*)$!_sip._udp.\\1!" .`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.3`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"udp 192.0.2.3:5060 a.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._udp.example.com.", "A a.example.com."},
		},
		{
			name: "NAPTR's SRV name has no SRV: A/AAAA of the domain with the NAPTR's transport (§4.2)",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
				`example.com. 60 IN A 192.0.2.7`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 u.example.com.`, `u.example.com. 60 IN A 192.0.2.1`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tcp 192.0.2.7:5060 example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._tcp.example.com.", "A example.com."},
		},
		{
			name: "sips: NAPTR's SRV name is NXDOMAIN: A of the domain on 5061 over TLS (§4.2)",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "S" "SIPS+D2T" "" _sips._tcp.example.net.`,
				`example.com. 60 IN A 192.0.2.7`},
			uri:         "sips:example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tls 192.0.2.7:5061 example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sips._tcp.example.net.", "A example.com."},
		},
		{
			name: "NAPTR: one transport's SRV found, the other's missing: that one falls back to the domain's A (§4.2)",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`example.com. 300 IN NAPTR 10 20 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 u.example.com.`, `u.example.com. 60 IN A 192.0.2.1`,
				`example.com. 60 IN A 192.0.2.7`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"udp 192.0.2.1:5060 u.example.com p0 w0", "tcp 192.0.2.7:5060 example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._udp.example.com.", "SRV _sip._tcp.example.com.", "A u.example.com.", "A example.com."},
		},
		{
			name: "NAPTR led nowhere: the domain's SRV after all, nothing asked twice",
			zone: []string{`example.com. 300 IN NAPTR 10 10 "S" "SIP+D2T" "" _sip._tcp.example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 u.example.com.`, `u.example.com. 60 IN A 192.0.2.1`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"udp 192.0.2.1:5060 u.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._tcp.example.com.", "A example.com.", "SRV _sip._udp.example.com.", "A u.example.com."},
		},
		{
			name: "no NAPTR: SRV for each transport in the client's order (§4.1)",
			zone: []string{`_sip._udp.example.com. 60 IN SRV 0 0 5060 u.example.com.`, `_sip._tcp.example.com. 60 IN SRV 0 0 5060 t.example.com.`,
				`_sips._tcp.example.com. 60 IN SRV 0 0 5061 s.example.com.`,
				`u.example.com. 60 IN A 192.0.2.1`, `t.example.com. 60 IN A 192.0.2.2`, `s.example.com. 60 IN A 192.0.2.3`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only, Transports: []Transport{TLS, TCP, UDP}},
			wantTargets: []string{"tls 192.0.2.3:5061 s.example.com p0 w0", "tcp 192.0.2.2:5060 t.example.com p0 w0", "udp 192.0.2.1:5060 u.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sips._tcp.example.com.", "SRV _sip._tcp.example.com.", "SRV _sip._udp.example.com.",
				"A s.example.com.", "A t.example.com.", "A u.example.com."},
		},
		{
			name:        "no NAPTR, no SRV: A/AAAA on 5060 over UDP",
			zone:        []string{`example.com. 60 IN A 192.0.2.7`},
			uri:         "sip:example.com",
			wantTargets: []string{"udp 192.0.2.7:5060 example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._udp.example.com.", "SRV _sip._tcp.example.com.", "A example.com.", "AAAA example.com."},
		},
		{
			name:        "sips, no NAPTR, no SRV: A on 5061 over TLS",
			zone:        []string{`example.com. 60 IN A 192.0.2.7`},
			uri:         "sips:example.com",
			opts:        Options{Family: IPv4Only},
			wantTargets: []string{"tls 192.0.2.7:5061 example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sips._tcp.example.com.", "A example.com."},
		},
		{
			name:        `SRV target ".": decidedly not available, no A fallback (RFC 2782)`,
			zone:        []string{`_sip._udp.example.com. 60 IN SRV 0 0 0 .`, `example.com. 60 IN A 192.0.2.7`},
			uri:         "example.com",
			opts:        Options{Mode: ModeSRV, Transports: []Transport{UDP}},
			wantQueries: []string{"SRV _sip._udp.example.com."},
			wantErr:     ErrNotAvailable,
		},
		{
			name:        "NXDOMAIN everywhere",
			uri:         "sip:nowhere.example",
			opts:        Options{Family: IPv4Only, Transports: []Transport{UDP}},
			wantQueries: []string{"NAPTR nowhere.example.", "SRV _sip._udp.nowhere.example.", "A nowhere.example."},
			wantErr:     ErrNXDOMAIN,
		},
		{
			name:        "name exists without address records: no records",
			zone:        []string{`example.com. 60 IN TXT "hello"`},
			uri:         "example.com:5060",
			opts:        Options{Family: IPv4Only},
			wantQueries: []string{"A example.com."},
			wantErr:     ErrNoRecords,
		},
		{
			name:        "mode a: address records only",
			zone:        append(slices.Clone(guideZone), `example.com. 60 IN A 192.0.2.7`),
			uri:         "example.com",
			opts:        Options{Mode: ModeA, Family: IPv4Only},
			wantTargets: []string{"udp 192.0.2.7:5060 example.com p0 w0"},
			wantQueries: []string{"A example.com."},
		},
		{
			name:        "mode srv: no NAPTR",
			zone:        guideZone,
			uri:         "example.com",
			opts:        Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{TCP}},
			wantTargets: []string{"tcp 192.0.2.13:5060 sip1.example.com p10 w0"},
			wantQueries: []string{"SRV _sip._tcp.example.com.", "A sip1.example.com."},
		},
		{
			name:        "mode static: primary then backups, no DNS",
			zone:        guideZone,
			uri:         "sip:example.com;transport=tcp",
			opts:        Options{Mode: ModeStatic, PrimaryIP: "192.0.2.13", BackupIPs: []string{"192.0.2.12:5080", "[2001:db8::12]:5070"}},
			wantTargets: []string{"tcp 192.0.2.13:5060  p0 w0", "tcp 192.0.2.12:5080  p0 w0", "tcp [2001:db8::12]:5070  p0 w0"},
		},
		{
			name:        "mode static: a numeric server is used as is",
			uri:         "sip:192.0.2.1",
			opts:        Options{Mode: ModeStatic, PrimaryIP: "192.0.2.13"},
			wantTargets: []string{"udp 192.0.2.1:5060  p0 w0"},
		},
		{
			name:        "mode static without IPs: DNS as naptr",
			zone:        guideZone,
			uri:         "example.com",
			opts:        Options{Mode: ModeStatic, Family: IPv4Only, Transports: []Transport{TCP}},
			wantTargets: []string{"tcp 192.0.2.13:5060 sip1.example.com p10 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._tcp.example.com.", "A sip1.example.com."},
		},
		{
			name:    "mode static: bad configured IP",
			uri:     "example.com",
			opts:    Options{Mode: ModeStatic, PrimaryIP: "not-an-ip"},
			wantErr: ErrBadURI,
		},
		{
			name:        "PreferIPv6 asks AAAA first",
			zone:        guideZone,
			uri:         "sip1.example.com:5060",
			opts:        Options{Family: PreferIPv6},
			wantTargets: []string{"udp [2001:db8::13]:5060 sip1.example.com p0 w0", "udp 192.0.2.13:5060 sip1.example.com p0 w0"},
			wantQueries: []string{"AAAA sip1.example.com.", "A sip1.example.com."},
		},
		{
			name:        "IPv6Only",
			zone:        guideZone,
			uri:         "sip1.example.com:5060",
			opts:        Options{Family: IPv6Only},
			wantTargets: []string{"udp [2001:db8::13]:5060 sip1.example.com p0 w0"},
			wantQueries: []string{"AAAA sip1.example.com."},
		},
		{
			name: "SRV targets without addresses: no fallback to the domain's A (§4.2)",
			zone: []string{`_sip._udp.example.com. 60 IN SRV 0 0 5060 gone.example.com.`, `example.com. 60 IN A 192.0.2.7`},
			uri:  "example.com", opts: Options{Mode: ModeSRV, Family: IPv4Only, Transports: []Transport{UDP}},
			wantQueries: []string{"SRV _sip._udp.example.com.", "A gone.example.com."},
			wantErr:     ErrNXDOMAIN,
		},
		{
			name: "NAPTR chain longer than 5 lookups: ErrLoop, then SRV fallback",
			zone: []string{`example.com. 60 IN NAPTR 10 10 "" "" "" n1.example.com.`,
				`n1.example.com. 60 IN NAPTR 10 10 "" "" "" n2.example.com.`, `n2.example.com. 60 IN NAPTR 10 10 "" "" "" n3.example.com.`,
				`n3.example.com. 60 IN NAPTR 10 10 "" "" "" n4.example.com.`, `n4.example.com. 60 IN NAPTR 10 10 "" "" "" n5.example.com.`,
				`n5.example.com. 60 IN NAPTR 10 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`_sip._udp.example.com. 60 IN SRV 0 0 5060 a.example.com.`, `a.example.com. 60 IN A 192.0.2.3`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only, Transports: []Transport{UDP}},
			wantTargets: []string{"udp 192.0.2.3:5060 a.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "NAPTR n1.example.com.", "NAPTR n2.example.com.", "NAPTR n3.example.com.",
				"NAPTR n4.example.com.", "SRV _sip._udp.example.com.", "A a.example.com."},
			wantErr: ErrLoop,
		},
		{
			name: "NAPTR SIP+D2S for a client that supports SCTP (RFC 4168)",
			zone: []string{`example.com. 60 IN NAPTR 10 10 "S" "SIP+D2S" "" _sip._sctp.example.com.`,
				`example.com. 60 IN NAPTR 20 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
				`_sip._sctp.example.com. 60 IN SRV 0 0 5060 s.example.com.`, `s.example.com. 60 IN A 192.0.2.4`},
			uri:         "example.com",
			opts:        Options{Family: IPv4Only, Transports: []Transport{SCTP}},
			wantTargets: []string{"sctp 192.0.2.4:5060 s.example.com p0 w0"},
			wantQueries: []string{"NAPTR example.com.", "SRV _sip._sctp.example.com.", "A s.example.com."},
		},
		{
			name:    "bad URI",
			uri:     "sip:exa mple.com",
			wantErr: ErrBadURI,
		},
		{
			name:    "transport the client does not support",
			uri:     "sip:example.com;transport=sctp",
			opts:    Options{Transports: []Transport{UDP}},
			wantErr: ErrNoTransport,
		},
	}
}

// checkCase compares a Locate's outcome with a case of TestLocateRFC3263.
func checkCase(t *testing.T, uri string, res *Result, err error, wantTargets, wantQueries []string, wantErr error) {
	t.Helper()
	if !errors.Is(err, wantErr) || (err != nil) != (wantErr != nil) {
		t.Fatalf("Locate(%q) error = %v, want %v", uri, err, wantErr)
	}
	if got := targetStrings(res.Targets); !slices.Equal(got, wantTargets) {
		t.Errorf("targets:\n got %q\nwant %q", got, wantTargets)
	}
	if got := queryStrings(res.Queries); !slices.Equal(got, wantQueries) {
		t.Errorf("queries:\n got %q\nwant %q", got, wantQueries)
	}
}

func TestLocatePartialResult(t *testing.T) {
	f := newFake(guideZone...)
	f.errs[qkey{"sip2.example.com.", 1}] = context.DeadlineExceeded
	res, err := newTestLocator(f).Locate(context.Background(), "example.com", Options{Family: IPv4Only, Transports: []Transport{UDP}})
	var le *Error
	if !errors.As(err, &le) || le.Step != "A" || le.Name != "sip2.example.com." || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want a partial-result *Error for A sip2.example.com.", err)
	}
	want := []string{"udp 192.0.2.13:5060 sip1.example.com p10 w0"}
	if got := targetStrings(res.Targets); !slices.Equal(got, want) {
		t.Errorf("targets = %q, want %q", got, want)
	}
	if q := res.Queries[len(res.Queries)-1]; q.Err == "" || q.Rcode != "" {
		t.Errorf("last query %+v: want Err set and no Rcode", q)
	}
}

func TestLocateTraceAndExpiry(t *testing.T) {
	res, err := newTestLocator(newFake(guideZone...)).Locate(context.Background(), "example.com", Options{Transports: []Transport{UDP}, Family: IPv4Only})
	if err != nil {
		t.Fatal(err)
	}
	first := res.Targets[0]
	// NAPTR 300 s, SRV 120 s, A 60 s: the A record expires first.
	if want := epoch.Add(60 * time.Second); !first.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", first.Expires, want)
	}
	want := []string{
		"example.com.\t300\tIN\tNAPTR\t10 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
		"_sip._udp.example.com.\t120\tIN\tSRV\t10 0 5060 sip1.example.com.",
		"sip1.example.com.\t60\tIN\tA\t192.0.2.13",
	}
	if !slices.Equal(first.Records, want) {
		t.Errorf("Records:\n got %q\nwant %q", first.Records, want)
	}
	q := res.Queries[0]
	if q.Rcode != "NOERROR" || q.TTL != 300*time.Second || len(q.Answers) != 2 || q.Server == "" {
		t.Errorf("NAPTR query trace = %+v", q)
	}
}

func TestLocateNoTrace(t *testing.T) {
	res, err := newTestLocator(newFake(guideZone...)).Locate(context.Background(), "example.com", Options{NoTrace: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Queries) != 0 || res.Targets[0].Records != nil {
		t.Errorf("NoTrace: got %d queries and records %q", len(res.Queries), res.Targets[0].Records)
	}
}

func TestLocateReusesScratch(t *testing.T) {
	l := newTestLocator(newCachingFake(guideZone...))
	for range 3 {
		res, err := l.Locate(context.Background(), "sip:example.com", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Targets) != 5 || len(res.Queries) != 7 {
			t.Fatalf("got %d targets, %d queries; want 5 and 7", len(res.Targets), len(res.Queries))
		}
	}
}

// TestLocateCachedAllocs guards issue 2's "at most 5 allocations per
// cached locate": two without trace (the Result and its targets).
func TestLocateCachedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	// Every answer cached: sip2's AAAA too.
	l := newTestLocator(newCachingFake(append(slices.Clone(guideZone), `sip2.example.com. 60 IN AAAA 2001:db8::12`)...))
	ctx, opts := context.Background(), Options{NoTrace: true}
	var res *Result
	if n := testing.AllocsPerRun(100, func() { res, _ = l.Locate(ctx, "sip:alice@example.com", opts) }); n > 2 {
		t.Errorf("Locate allocates %v times, want at most 2", n)
	}
	if len(res.Targets) != 6 {
		t.Errorf("%d targets, want 6", len(res.Targets))
	}
}

func TestLocateNoResolver(t *testing.T) {
	_, err := (&Locator{}).Locate(context.Background(), "example.com", Options{})
	if !errors.Is(err, ErrNoResolver) {
		t.Errorf("error = %v, want ErrNoResolver", err)
	}
}

// BenchmarkLocateCachedFake measures locate's own work: every answer
// comes from a map, with no clock reads or locks as a real cache has.
func BenchmarkLocateCachedFake(b *testing.B) {
	l := newTestLocator(newCachingFake(append(slices.Clone(guideZone), `sip2.example.com. 60 IN AAAA 2001:db8::12`)...))
	ctx := context.Background()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if res, err := l.Locate(ctx, "sip:alice@example.com", Options{NoTrace: true}); err != nil || len(res.Targets) != 6 {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// barrierResolver answers address lookups only once want of them are in
// flight together, so a locator that asks one after another never gets
// past the first (its ctx deadline ends the test instead).
type barrierResolver struct {
	*fakeResolver
	want    int
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (b *barrierResolver) Lookup(ctx context.Context, name string, qtype Type) (*Answer, error) {
	if qtype != TypeA && qtype != TypeAAAA {
		return b.fakeResolver.Lookup(ctx, name, qtype)
	}
	b.mu.Lock()
	if b.waiting++; b.waiting == b.want {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
		return b.fakeResolver.Lookup(ctx, name, qtype)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestLocateAddressesInParallel checks that the A and AAAA lookups of all
// SRV targets are in flight at the same time (issue 2: "A and AAAA for all
// SRV targets are queried in parallel").
func TestLocateAddressesInParallel(t *testing.T) {
	r := &barrierResolver{fakeResolver: newFake(guideZone...), want: 4, release: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := newTestLocator(r).Locate(ctx, "example.com", Options{})
	if err != nil {
		t.Fatalf("Locate: %v (address lookups were not all in flight together)", err)
	}
	if len(res.Targets) != 5 {
		t.Errorf("%d targets, want 5", len(res.Targets))
	}
}
