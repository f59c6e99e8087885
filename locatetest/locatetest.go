// Package locatetest is the test kit for programs that use package locate
// and register: a locate.Resolver that answers from zone text, with no
// sockets and no name server to run, and a fake Clock that register's
// Config.Clock takes.
//
// Its answers are a real client's answers. The zone text is read as
// `siplocate dns serve` reads a zone file ($ORIGIN, $TTL, $GENERATE; no
// $INCLUDE), an authoritative handler answers from it (CNAMEs followed,
// NXDOMAIN or NODATA with the zone's SOA for the negative TTL of RFC 2308,
// names that own nothing but have names under them exist as RFC 8020
// says, the addresses of SRV targets and the SRV records of NAPTR
// replacements in the additional section), and a dnsclient.Client asks it
// over in-memory connections, through locatedns as a program would. So
// TTLs, the cache and the trace behave as in production. With no real I/O
// it works inside a testing/synctest bubble.
//
// It leaves out wildcards, delegations and more than one zone: a test
// that needs those starts a dnsserver on loopback.
//
//	r, err := locatetest.NewResolver(`
//	$ORIGIN example.com.
//	@         300 IN NAPTR 10 50 "S" "SIP+D2U" "" _sip._udp
//	_sip._udp 300 IN SRV   10 60 5060 sip1
//	sip1      300 IN A     192.0.2.1
//	`)
//	if err != nil {
//		t.Fatal(err)
//	}
//	l := &locate.Locator{Resolver: r}
package locatetest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/siplocate/siplocate/dnsclient"
	"github.com/siplocate/siplocate/internal/dnstest"
	"github.com/siplocate/siplocate/internal/zonefile"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatedns"
)

// Server is the name server that Answer.Server and the trace name.
const Server = "locatetest:53"

// Resolver is a locate.Resolver answering from zone text. It is safe for
// concurrent use.
type Resolver struct {
	dns *locatedns.Resolver

	mu    sync.Mutex
	fails map[question]error
	asked []string
}

type question struct {
	name string // lower case, fully qualified
	t    locate.Type
}

// NewResolver returns a Resolver for the records in zone, zone-file text.
// Owner names are absolute or relative to an $ORIGIN. An error names the
// line of zone it is about.
func NewResolver(zone string) (*Resolver, error) {
	f, err := zonefile.Parse(strings.NewReader(zone), "zone", "")
	if err != nil {
		return nil, fmt.Errorf("locatetest: %w", err)
	}
	h := &dnstest.Zone{Additional: true}
	for _, rec := range f.Records {
		h.Records = append(h.Records, rec.RR)
	}
	mem := dnstest.NewMemServer(h)
	c, err := dnsclient.New(dnsclient.Config{
		Servers: []string{Server},
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return mem.Dial(ctx, network, Server)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("locatetest: %w", err)
	}
	return &Resolver{dns: locatedns.New(c), fails: map[question]error{}}, nil
}

// Lookup answers (name, t) from the zone, or fails with the error set by
// Fail. It notes the question for Asked.
func (r *Resolver) Lookup(ctx context.Context, name string, t locate.Type) (*locate.Answer, error) {
	q := question{fqdn(name), t}
	r.mu.Lock()
	r.asked = append(r.asked, t.String()+" "+q.name)
	err := r.fails[q]
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return r.dns.Lookup(ctx, name, t)
}

// Fail makes every later lookup of (name, t) fail with err; a nil err
// answers from the zone again. To play a name server that never answers,
// pass an error that wraps locate.ErrNoDNSAnswer.
func (r *Resolver) Fail(name string, t locate.Type, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.fails, question{fqdn(name), t})
		return
	}
	r.fails[question{fqdn(name), t}] = err
}

// Asked returns the questions asked so far, in the order they came, as
// "TYPE name." ("SRV _sip._udp.example.com."); a lookup answered from the
// cache counts too.
func (r *Resolver) Asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.asked...)
}

// fqdn returns name in lower case with its trailing dot.
func fqdn(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}
