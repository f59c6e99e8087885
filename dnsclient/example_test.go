package dnsclient_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
	"github.com/siplocate/siplocate/dnsclient"
)

// The locator's SRV step: records with their remaining TTL, a negative
// answer as a result, a timeout as an error.
func ExampleClient_Lookup() {
	c, err := dnsclient.New(dnsclient.Config{Servers: []string{"127.0.1.53:5353"}, Timeout: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := c.Lookup(context.Background(), "_sip._udp.example.com", dns.TypeSRV)
	var derr *dnsclient.Error
	switch {
	case errors.As(err, &derr) && derr.Timeout:
		fmt.Println("no name server answered:", err)
		return
	case err != nil:
		fmt.Println(err)
		return
	case a.NotFound():
		fmt.Println("no SRV records; try A/AAAA")
		return
	}
	for _, rr := range a.Records {
		fmt.Println(rr.String(), "expires in", a.TTL(time.Now()))
	}
}
