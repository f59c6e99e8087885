package doctor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/probe"
)

// maxProbes bounds the targets probed: a client tries them in order and
// would never reach the rest, and a hostile zone of thousands of targets
// must not cost thousands of sockets at once.
const maxProbes = 64

// targets probes every target at once (the first maxProbes), each bounded
// by the timeout, and turns what each saw into findings in the targets'
// order; a target not probed has a zero Result.
func (c *checker) targets(ctx context.Context) {
	ts := c.rep.Targets
	c.rep.Probes = make([]probe.Result, len(ts))
	opts := probe.Options{Timeout: c.cfg.timeout(), TLS: c.cfg.TLS, Now: c.cfg.Now}
	if len(ts) > maxProbes {
		c.add(Warning, "too-many-targets", AreaTarget, c.rep.Domain,
			fmt.Sprintf("DNS gives %d targets; a client tries them in order and gives up long before the last (Timer B/F per target): only the first %d were probed; keep a handful",
				len(ts), maxProbes), "RFC 3263 §4.3")
		ts = ts[:maxProbes]
	}
	var wg sync.WaitGroup
	for i, t := range ts {
		pt := probe.Target{Transport: string(t.Transport), Address: t.Addr, Port: t.Port, Host: strings.TrimSuffix(t.Host, ".")}
		wg.Go(func() { c.rep.Probes[i] = probe.Probe(ctx, pt, c.rep.Domain, opts) })
	}
	wg.Wait()
	for i, t := range ts {
		c.target(t, c.role(t), c.rep.Probes[i])
	}
}

// role names a target "primary" when it has the lowest SRV priority of its
// transport, else "backup" (RFC 2782: lowest priority first).
func (c *checker) role(t locate.Target) string {
	for _, o := range c.rep.Targets {
		if o.Transport == t.Transport && o.Priority < t.Priority {
			return "backup"
		}
	}
	return "primary"
}

// subject names a target as findings do: host:port/transport [address].
func subject(t locate.Target) string {
	h := strings.TrimSuffix(t.Host, ".")
	if h == "" {
		h = t.Addr.String()
	}
	return h + ":" + strconv.Itoa(int(t.Port)) + "/" + string(t.Transport) + " [" + t.Addr.String() + "]"
}

// short names a target for a message: host:port/transport.
func short(t locate.Target) string {
	s, _, _ := strings.Cut(subject(t), " [")
	return s
}

// target adds the findings of one probe.
func (c *checker) target(t locate.Target, role string, r probe.Result) {
	subj, name := subject(t), role+" target "+short(t)
	switch r.Outcome {
	case probe.Answered:
		c.answered(t, name, r)
	case probe.Silent:
		c.add(Error, "target-silent", AreaTarget, subj, name+" does not answer: no response to OPTIONS within "+c.cfg.timeout().String()+
			"; clients wait out their timeout (Timer F, 32 s) before the next target. Check the server runs and a firewall lets "+string(t.Transport)+" through", "RFC 3261 §17.1.2.2")
	case probe.Unreachable:
		c.add(Error, "target-unreachable", AreaTarget, subj, name+" is not listening: ICMP port unreachable; start the SIP server on that port or remove the record", rfc3263)
	case probe.Refused:
		c.add(Error, "target-refused", AreaTarget, subj, name+" refuses connections: nothing listens on that TCP port; start the server or remove the record", rfc3263)
	case probe.Reset:
		c.add(Error, "target-reset", AreaTarget, subj, name+" resets the connection before answering: "+r.Err.Error(), rfc3263)
	case probe.Garbage:
		c.add(Error, "target-garbage", AreaTarget, subj, name+" does not speak SIP: "+r.Err.Error(), "RFC 3261 §7.2")
	case probe.TLSHandshake:
		c.add(Error, "tls-handshake", AreaTLS, subj, "TLS handshake with "+short(t)+" fails: "+r.Err.Error(), "RFC 5922 §4")
	case probe.TLSName:
		c.add(Error, "tls-name", AreaTLS, subj, fmt.Sprintf("TLS certificate of %s does not name %s: it names %s; RFC 5922 wants the SIP domain, not the SRV target, as a subjectAltName URI sip:%s or dNSName",
			strings.TrimSuffix(t.Host, "."), c.rep.Domain, certNames(r.Cert), c.rep.Domain), "RFC 5922 §7.2")
	case probe.TLSCertificate:
		c.add(Error, "tls-certificate", AreaTLS, subj, "TLS certificate of "+strings.TrimSuffix(t.Host, ".")+" does not verify: "+r.Cert.ChainErr.Error(), "RFC 5922 §7.3")
	default:
		c.add(Error, "target-error", AreaTarget, subj, name+" cannot be probed: "+r.Err.Error(), "")
	}
	c.expiring(t, r)
}

// answered adds the finding of a target that gave a final response.
func (c *checker) answered(t locate.Target, name string, r probe.Result) {
	subj := subject(t)
	if r.Status == 503 {
		ra := "no Retry-After"
		if r.RetryAfter > 0 {
			ra = "Retry-After " + strconv.Itoa(int(r.RetryAfter/time.Second)) + " s"
		}
		c.add(Warning, "target-503", AreaTarget, subj, fmt.Sprintf("%s answers 503 %s (%s): it is up but refuses service; clients move on to the next target", name, r.Reason, ra), rfc3263)
		return
	}
	c.add(Info, "target-ok", AreaTarget, subj, fmt.Sprintf("%s answers OPTIONS: %d %s", name, r.Status, r.Reason), "RFC 3261 §11")
}

// rfc3263 is the rule that a client moves on to the next target.
const rfc3263 = "RFC 3263 §4.3"

// expiring warns of a certificate that ends within probe.ExpirySoon.
func (c *checker) expiring(t locate.Target, r probe.Result) {
	if r.Cert == nil || !r.Cert.ExpiresSoon || r.Outcome == probe.TLSCertificate {
		return
	}
	days := int(r.Cert.NotAfter.Sub(c.now()).Hours() / 24)
	c.add(Warning, "tls-expiring", AreaTLS, subject(t), fmt.Sprintf("TLS certificate of %s expires in %d days (%s): renew it", strings.TrimSuffix(t.Host, "."), days,
		r.Cert.NotAfter.UTC().Format(time.DateOnly)), "RFC 5922 §7.3")
}

func certNames(cert *probe.Cert) string {
	if cert == nil {
		return "nothing"
	}
	all := append(append([]string{}, cert.URIs...), cert.DNSNames...)
	if len(all) == 0 {
		return "no subjectAltName"
	}
	return strings.Join(all, ", ")
}
