package registrar_test

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/siplocate/siplocate/registrar"
)

// A registrar embedded in a program: started on a free port, fed one
// REGISTER, its bindings listed, then silenced and stopped.
func Example() {
	r, err := registrar.New(registrar.Config{
		Listen: []registrar.Listen{{Network: "udp", Addr: "127.0.0.1:0"}},
		NoAuth: true,
		OnEvent: func(e registrar.Event) {
			if e.Kind == registrar.EventRegistered {
				fmt.Println("registered", e.Contact, "for", e.AOR)
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := r.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer r.Stop()

	c, _ := net.Dial("udp", r.Addrs()[0].Addr)
	defer c.Close()
	fmt.Fprint(c, strings.ReplaceAll(`REGISTER sip:example.org SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5062;rport;branch=z9hG4bK-ex1
From: <sip:alice@example.org>;tag=1
To: <sip:alice@example.org>
Call-ID: ex1
CSeq: 1 REGISTER
Contact: <sip:alice@127.0.0.1:5062>
Expires: 600
Content-Length: 0

`, "\n", "\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, _ := c.Read(buf)
	status, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	fmt.Println(status)
	for _, b := range r.Bindings() {
		fmt.Println(b.AOR, b.Contact, time.Until(b.Expires).Round(time.Minute))
	}
	_ = r.SetFault(registrar.Fault{Kind: registrar.FaultSilent})
	fmt.Println("fault:", r.Fault())
	// Output:
	// registered sip:alice@127.0.0.1:5062 for sip:alice@example.org
	// SIP/2.0 200 OK
	// sip:alice@example.org sip:alice@127.0.0.1:5062 10m0s
	// fault: silent
}

func ExampleParseUsers() {
	users, err := registrar.ParseUsers(strings.NewReader("# lab\nalice:secret\nbob:s3cr:t\n"), "users.txt")
	fmt.Println(len(users), users["bob"], err)
	_, err = registrar.ParseUsers(strings.NewReader("alice:secret\ncarol\n"), "users.txt")
	fmt.Println(err)
	// Output:
	// 2 s3cr:t <nil>
	// users.txt:2: want user:password, found no colon
}

func ExampleParseFault() {
	for _, s := range []string{"silent", "503:10", "refuse-tcp", "none", "crash"} {
		f, err := registrar.ParseFault(s)
		fmt.Println(f, err)
	}
	// Output:
	// silent <nil>
	// 503:10 <nil>
	// refuse-tcp <nil>
	// none <nil>
	// none parse fault "crash": want none, silent, 503[:SECONDS] or refuse-tcp
}
