package locatetest_test

import (
	"context"
	"fmt"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
)

// Locate against a zone written in the test: NAPTR, then SRV, then A.
func ExampleNewResolver() {
	r, err := locatetest.NewResolver(`
$ORIGIN example.com.
@         300 IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp
_sip._udp 300 IN SRV   10 0 5060 sip1
_sip._udp 300 IN SRV   20 0 5060 sip2
sip1      300 IN A     192.0.2.13
sip2      300 IN A     192.0.2.12
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	l := &locate.Locator{Resolver: r}
	res, err := l.Locate(context.Background(), "sip:alice@example.com", locate.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range res.Targets {
		fmt.Println(t)
	}
	fmt.Println(r.Asked()[0])
	// Output:
	// udp 192.0.2.13:5060 (sip1.example.com)
	// udp 192.0.2.12:5060 (sip2.example.com)
	// NAPTR example.com.
}
