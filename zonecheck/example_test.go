package zonecheck_test

import (
	"fmt"
	"strings"

	"github.com/siplocate/siplocate/zonecheck"
)

// The guide's records with two classic mistakes: an SRV target that is an
// alias, and a SIPS service that leads to plain SIP over TCP.
func ExampleCheck() {
	const zone = `$ORIGIN example.com.
$TTL 300
@          SOA   ns1 hostmaster 1 3600 600 604800 60
@          NAPTR 10 50 "S" "SIP+D2U"  "" _sip._udp
@          NAPTR 20 50 "S" "SIPS+D2T" "" _sip._tcp
_sip._udp  SRV   10 0 5060 sip1
_sip._tcp  SRV   10 0 5060 sip1
sip1       CNAME server1
server1    A     127.0.0.13
@          NS    ns.example.net.
`
	report, err := zonecheck.Check(strings.NewReader(zone), "example.com.zone", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range report.Findings {
		fmt.Println(f)
	}
	// Output:
	// example.com.zone:5: error: SIPS+D2T leads to _sip._tcp.example.com., which is not TLS: a SIPS service must lead to a _sips SRV name over TCP or SCTP (RFC 3263 §4.1)
	// example.com.zone:6: error: target sip1.example.com. is an alias (CNAME): RFC 2782 says an SRV target MUST NOT be an alias; point at the canonical name
	// example.com.zone:7: error: target sip1.example.com. is an alias (CNAME): RFC 2782 says an SRV target MUST NOT be an alias; point at the canonical name
}

// A zone that does not parse gives a *ParseError with the file and line.
func ExampleParseError() {
	_, err := zonecheck.Check(strings.NewReader("$ORIGIN example.com.\n_sip._udp 300 SRV 10 0 five sip1\n"), "example.com.zone", "")
	fmt.Println(err)
	// Output:
	// example.com.zone:2: bad SRV Port: "five"
}
