package locate_test

import (
	"context"
	"fmt"

	"github.com/siplocate/siplocate/locate"
)

// The phone's "Use Configured IP": the primary, then the backups, no DNS.
func ExampleLocator_Locate_static() {
	l := &locate.Locator{} // no Resolver: static IPs need none
	res, err := l.Locate(context.Background(), "sip:alice@example.com;transport=tcp", locate.Options{
		Mode:      locate.ModeStatic,
		PrimaryIP: "192.168.10.13",
		BackupIPs: []string{"192.168.10.12:5080"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, t := range res.Targets {
		fmt.Println(i+1, t.Transport, t.AddrPort())
	}
	// Output:
	// 1 tcp 192.168.10.13:5060
	// 2 tcp 192.168.10.12:5080
}

// A numeric host needs no DNS (RFC 3263 §4.1, §4.2): sips: means TLS on 5061.
func ExampleLocator_Locate_numeric() {
	res, _ := (&locate.Locator{}).Locate(context.Background(), "sips:bob@[2001:db8::5]", locate.Options{})
	fmt.Println(res.Targets[0].Transport, res.Targets[0].AddrPort())
	// Output: tls [2001:db8::5]:5061
}

func ExampleParseURI() {
	u, err := locate.ParseURI("sips:alice@Example.COM:5061;transport=tcp;lr")
	fmt.Println(u.Secure, u.User, u.Host, u.Port, u.Transport, err)
	_, err = locate.ParseURI("sip:exa mple.com")
	fmt.Println(err)
	// Output:
	// true alice example.com 5061 tcp <nil>
	// locate URI sip:exa mple.com: bad SIP URI: bad character " " in host
}
