package sipsend_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
	"github.com/siplocate/siplocate/registrar"
	"github.com/siplocate/siplocate/sipsend"
)

// A plain sipgo program sends OPTIONS with client.Do, and sipgo resolves
// example.com itself: the first address it finds, no failover. With
// sipsend one line changes, and the request goes to the backup when the
// primary's port is closed. Here the primary is a closed UDP port and the
// backup an in-process registrar, both on loopback, behind SRV records.
func Example() {
	backup, _ := registrar.New(registrar.Config{Listen: []registrar.Listen{{Network: "udp", Addr: "127.0.12.90:0"}}, NoAuth: true})
	if err := backup.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer backup.Stop()
	dead, _ := net.ListenPacket("udp", "127.0.12.91:0")
	_ = dead.Close()
	zone, _ := locatetest.NewResolver(fmt.Sprintf(`
$ORIGIN example.com.
_sip._udp 300 IN SRV 10 0 %s sip1
_sip._udp 300 IN SRV 20 0 %s sip2
sip1      300 IN A   127.0.12.91
sip2      300 IN A   127.0.12.90
`, port(dead.LocalAddr().String()), port(backup.Addrs()[0].Addr)))

	quiet := slog.New(slog.DiscardHandler)
	ua, _ := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
	defer ua.Close()
	client, _ := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet))
	opts := sipsend.Options{
		Locator: &locate.Locator{Resolver: zone}, // in production: locatedns over the system's DNS
		Locate:  locate.Options{Mode: locate.ModeSRV, Transports: []locate.Transport{locate.UDP}},
		Health:  &failover.Health{}, // one per process: every request shares it
		UDP:     sipsend.NewUDP(client.TransportLayer()),
	}
	defer opts.UDP.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: "example.com"})
	// Before: res, err := client.Do(ctx, req)
	res, trace, err := sipsend.Do(ctx, client, req, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range trace.Attempts {
		fmt.Println(a.Target.Addr, a.Outcome, a.Status)
	}
	fmt.Println(res.StatusCode, res.Reason)
	// Output:
	// 127.0.12.91 transport-error 0
	// 127.0.12.90 answered 200
	// 200 OK
}

// port returns the port of a host:port.
func port(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}
