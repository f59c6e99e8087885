package dnstest

import (
	"time"

	"github.com/miekg/dns"
)

// Answer returns a handler that answers every query with the records
// returned by f for its question (rcode NOERROR; no records means NODATA).
func Answer(f func(q dns.Question) []dns.RR) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if len(r.Question) != 1 {
			w.WriteMsg(Reply(r, dns.RcodeFormatError, nil, nil, nil)) //nolint:errcheck
			return
		}
		w.WriteMsg(Reply(r, dns.RcodeSuccess, f(r.Question[0]), nil, nil)) //nolint:errcheck
	})
}

// Rcode returns a handler that answers every query with rcode and empty
// sections (dns.RcodeServerFailure, dns.RcodeRefused, ...).
func Rcode(rcode int) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		w.WriteMsg(Reply(r, rcode, nil, nil, nil)) //nolint:errcheck
	})
}

// Silent returns a handler that never answers: the client sees a timeout.
func Silent() dns.Handler {
	return dns.HandlerFunc(func(dns.ResponseWriter, *dns.Msg) {})
}

// Delay returns a handler that waits d before letting h answer. Each query
// is served on its own goroutine, so queries are delayed in parallel.
func Delay(d time.Duration, h dns.Handler) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		time.Sleep(d) // simulated network delay on the server side
		h.ServeDNS(w, r)
	})
}

// Truncate returns a handler that answers UDP queries with an empty
// response with the TC bit set (RFC 1035 §4.1.1), and lets h answer TCP
// queries.
func Truncate(h dns.Handler) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if network(w) == "tcp" {
			h.ServeDNS(w, r)
			return
		}
		m := Reply(r, dns.RcodeSuccess, nil, nil, nil)
		m.Truncated = true
		w.WriteMsg(m) //nolint:errcheck
	})
}

// Raw returns a handler that writes the bytes returned by f as the whole
// response (for malformed or hand-crafted answers); nil writes nothing.
func Raw(f func(r *dns.Msg) []byte) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if b := f(r); b != nil {
			w.Write(b) //nolint:errcheck
		}
	})
}

// Spoof returns a handler that, over UDP, first sends forged copies of h's
// answer: one with the wrong ID, one with a different question name, one
// with a different type; then the real answer. A correct client drops the
// forgeries and takes the last one. TCP queries are answered by h alone.
func Spoof(h dns.Handler) dns.Handler {
	return dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if network(w) == "tcp" || len(r.Question) != 1 {
			h.ServeDNS(w, r)
			return
		}
		rec := &Recorder{ResponseWriter: w}
		h.ServeDNS(rec, r)
		if rec.Msg == nil {
			return
		}
		for _, forge := range forgeries(rec.Msg) {
			w.WriteMsg(forge) //nolint:errcheck
		}
		w.WriteMsg(rec.Msg) //nolint:errcheck
	})
}

// forgeries returns copies of m that a client must not accept as the
// answer to m's question.
func forgeries(m *dns.Msg) []*dns.Msg {
	wrongID := m.Copy()
	wrongID.Id = m.Id + 1
	wrongName := m.Copy()
	wrongName.Question[0].Name = "forged." + m.Question[0].Name
	wrongType := m.Copy()
	wrongType.Question[0].Qtype = m.Question[0].Qtype + 1
	return []*dns.Msg{wrongID, wrongName, wrongType}
}

// Recorder is a ResponseWriter that keeps the message written to it
// instead of sending it.
type Recorder struct {
	dns.ResponseWriter
	Msg *dns.Msg
}

// WriteMsg records m.
func (r *Recorder) WriteMsg(m *dns.Msg) error {
	r.Msg = m
	return nil
}
