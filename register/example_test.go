package register_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
	"github.com/siplocate/siplocate/register"
	"github.com/siplocate/siplocate/registrar"
)

// An account kept registered: its server is located through SRV records
// (here from zone text, in a real program through locatedns on dnsclient),
// the registrar's 401 answered with the password, and the binding removed
// (Expires: 0) when the context ends.
func Example() {
	lab, err := registrar.New(registrar.Config{
		Listen: []registrar.Listen{{Network: "udp", Addr: "127.0.0.1:0"}},
		Users:  registrar.Users{"alice": "secret"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := lab.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Stop()
	port := netip.MustParseAddrPort(lab.Addrs()[0].Addr).Port()

	dns, err := locatetest.NewResolver(fmt.Sprintf(`
example.com.            300 IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 60
example.com.            300 IN NS  ns.example.com.
_sip._udp.example.com.  300 IN SRV 10 100 %d sip1.example.com.
sip1.example.com.       300 IN A   127.0.0.1
`, port))
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	agent, err := register.New(register.Config{
		Accounts: []register.Account{{
			AOR:        "sip:alice@example.com",
			Password:   "secret",
			Server:     "example.com",
			DNSMode:    locate.ModeSRV,
			Transports: []locate.Transport{locate.UDP},
		}},
		Locator: &locate.Locator{Resolver: dns},
		OnEvent: func(e register.Event) {
			switch e.Kind {
			case register.Registered:
				fmt.Println("registered with", strings.TrimSuffix(e.Target.Host, "."))
				cancel() // stop: Run unregisters
			case register.Unregistered:
				fmt.Println("unregistered")
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := agent.Run(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("bindings left:", len(lab.Bindings()))
	// Output:
	// registered with sip1.example.com
	// unregistered
	// bindings left: 0
}
