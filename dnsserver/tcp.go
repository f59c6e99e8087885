package dnsserver

import (
	"fmt"
	"net"

	"github.com/miekg/dns"
)

// listenTCP listens on the UDP sockets' address (the same port when the
// configured one was 0) and serves it with miekg's server, through a
// listener that caps the connections and backs off failed accepts.
func (s *Server) listenTCP() error {
	addr := s.Addr().String()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("dns server: listen tcp %s: %w", addr, err)
	}
	started := make(chan struct{})
	s.tcpLn = newTCPLimiter(ln, s.cfg.maxTCPConns(), s.cfg.maxTCPConnsPerIP(), s.log)
	s.tcp = &dns.Server{
		Listener:      s.tcpLn,
		Handler:       dns.HandlerFunc(s.serveTCP),
		TsigSecret:    s.cfg.tsigSecrets(),
		MsgAcceptFunc: acceptQueries,
		// miekg closes a connection after 128 queries by default; a
		// resolver reusing it then sees its next query fail. RFC 7766
		// §6.2.1 asks servers to keep connections open for many queries
		// and close them when idle (miekg's IdleTimeout, 8 s), as NSD and
		// Knot do.
		MaxTCPQueries:     -1,
		NotifyStartedFunc: func() { close(started) },
	}
	s.wg.Go(func() { _ = s.tcp.ActivateAndServe() })
	<-started
	return nil
}

// acceptQueries hands every message but responses to the handler, which
// decides on opcodes and counts itself.
func acceptQueries(dh dns.Header) dns.MsgAcceptAction {
	if dh.Bits&(1<<15) != 0 {
		return dns.MsgIgnore
	}
	return dns.MsgAccept
}

// serveTCP answers one query over TCP: a zone transfer, or the same answer
// as over UDP without the size limit.
func (s *Server) serveTCP(w dns.ResponseWriter, req *dns.Msg) {
	snap := s.snap.Load()
	if isTransfer(req) {
		s.transfer(w, req, snap)
		return
	}
	m := snap.respond(req)
	if m == nil {
		return
	}
	fit(m, dns.MaxMsgSize)
	if t := req.IsTsig(); t != nil {
		if err := w.TsigStatus(); err != nil {
			m = s.tsigErrorMsg(req, err) // RFC 8945 §5.3.2
		} else {
			m.SetTsig(t.Hdr.Name, t.Algorithm, tsigFudge, s.now().Unix())
		}
	}
	s.tcpSt.count(qtypeOf(req), m.Rcode)
	_ = w.WriteMsg(m)
}

func isTransfer(req *dns.Msg) bool {
	if req.Opcode != dns.OpcodeQuery || len(req.Question) != 1 {
		return false
	}
	t := req.Question[0].Qtype
	return t == dns.TypeAXFR || t == dns.TypeIXFR
}
