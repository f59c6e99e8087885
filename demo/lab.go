package demo

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siplocate/siplocate/dnsserver"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/registrar"
)

// lab is the server side of the demo: the DNS server holding the guide's
// zone and the two registrars, sip1 (primary) and sip2 (backup).
type lab struct {
	dns      *dnsserver.Server
	dnsAddr  string
	primary  *registrar.Registrar
	backup   *registrar.Registrar
	zoneFile string
}

// startLab starts the DNS server and both registrars, or none of them.
func startLab(cfg *Config, tl *Timeline) (*lab, error) {
	l := &lab{}
	dir, err := os.MkdirTemp("", "siplocate-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo zone directory: %w", err)
	}
	l.zoneFile = filepath.Join(dir, Domain+".zone")
	zone := zoneText(cfg.primary(), cfg.backup(), cfg.sipPort(), int(cfg.ttl()/time.Second))
	if err := os.WriteFile(l.zoneFile, []byte(zone), 0o644); err != nil {
		return nil, fmt.Errorf("demo zone: %w", err)
	}
	l.dns, err = dnsserver.New(dnsserver.Config{Zones: []string{l.zoneFile}, Addr: cfg.dnsListen(), ReusePort: 1})
	if err == nil {
		err = l.dns.Start()
	}
	if err != nil {
		l.close()
		return nil, fmt.Errorf("demo DNS server: %w", err)
	}
	l.dnsAddr = l.dns.Addr().String()
	tl.Add("demo", "dns-up", "DNS server for %s on %s (NAPTR, SRV, A; TTL %v)", Domain, l.dnsAddr, cfg.ttl())
	if l.primary, err = startRegistrar(cfg, "sip1", cfg.primary(), tl); err != nil {
		l.close()
		return nil, err
	}
	if l.backup, err = startRegistrar(cfg, "sip2", cfg.backup(), tl); err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// startRegistrar starts one registrar on ip at the SIP port, UDP and TCP,
// reporting what it answers to the timeline as who.
func startRegistrar(cfg *Config, who, ip string, tl *Timeline) (*registrar.Registrar, error) {
	addr := net.JoinHostPort(ip, fmt.Sprint(cfg.sipPort()))
	r, err := registrar.New(registrar.Config{
		Listen:     []registrar.Listen{{Network: "udp", Addr: addr}, {Network: "tcp", Addr: addr}},
		Realm:      Domain,
		Users:      registrar.Users{User: Password},
		MinExpires: time.Second,
		OnEvent:    func(e registrar.Event) { registrarLine(tl, who, e) },
	})
	if err == nil {
		err = r.Start()
	}
	if err != nil {
		return nil, fmt.Errorf("demo registrar %s on %s: %w", who, addr, err)
	}
	tl.Add("demo", "registrar-up", "registrar %s on udp and tcp %s", who, addr)
	return r, nil
}

// registrarLine puts what a registrar answered on the timeline; requests
// it received show up through their answers, and unanswered ones as drops.
func registrarLine(tl *Timeline, who string, e registrar.Event) {
	switch e.Kind {
	case registrar.EventAnswered:
		tl.Add(who, "answered", "%s from %s -> %d %s", e.Method, e.Source, e.Status, e.Reason)
	case registrar.EventRegistered:
		tl.Add(who, "bound", "binding %s -> %s for %v", e.AOR, e.Contact, e.Expires)
	case registrar.EventUnregistered:
		tl.Add(who, "unbound", "binding %s -> %s removed", e.AOR, e.Contact)
	case registrar.EventExpired:
		tl.Add(who, "expired", "binding %s -> %s expired", e.AOR, e.Contact)
	case registrar.EventDropped:
		tl.Add(who, "dropped", "%s from %s dropped unanswered (%s)", e.Method, e.Source, e.Reason)
	}
}

func (l *lab) close() {
	if l.primary != nil {
		_ = l.primary.Stop()
	}
	if l.backup != nil {
		_ = l.backup.Stop()
	}
	if l.dns != nil {
		_ = l.dns.Close()
	}
	if l.zoneFile != "" {
		_ = os.RemoveAll(filepath.Dir(l.zoneFile))
	}
}

// tracingLocator shows every DNS query of every location on the timeline,
// as the guide's lookup flow does.
type tracingLocator struct {
	loc *locate.Locator
	tl  *Timeline
}

func (t tracingLocator) Locate(ctx context.Context, uri string, opts locate.Options) (*locate.Result, error) {
	res, err := t.loc.Locate(ctx, uri, opts)
	if res != nil {
		for _, q := range res.Queries {
			t.tl.Add("dns", "query", "%s", queryText(q))
		}
	}
	return res, err
}

// queryText renders one query as "SRV _sip._udp.example.com -> ... (ttl, rtt)".
func queryText(q locate.Query) string {
	answer := strings.Join(trimRecords(q.Answers), ", ")
	switch {
	case q.Err != "":
		answer = "error: " + q.Err
	case answer == "" && q.Rcode == "NOERROR":
		answer = "no records (NODATA)"
	case answer == "":
		answer = q.Rcode
	}
	how := fmt.Sprintf("rtt %.1fms", float64(q.RTT.Microseconds())/1000)
	if q.Cached {
		how = "cached"
	}
	return fmt.Sprintf("%-5s %s -> %s  (ttl %v, %s)", q.Type, q.Name, answer, q.TTL.Round(time.Second), how)
}

// trimRecords keeps the data part of zone-text records: what follows the
// type, which is what a reader of the flow wants to see.
func trimRecords(rrs []string) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		f := strings.Fields(rr)
		if len(f) > 4 {
			f = f[4:]
		}
		out = append(out, strings.Join(f, " "))
	}
	return out
}
