package register

import (
	"github.com/emiago/sipgo/sip"
)

// The agent is a user agent server too (RFC 3261 §8.2): requests that
// reach its sockets for a Contact it registered are answered, so that a
// registrar's keepalive OPTIONS (Kamailio's keepalive or nathelper,
// Asterisk's qualify) find the contact alive and an INVITE gets a final
// response instead of silence.

// allowed is the Allow header's value: the methods the agent answers
// itself, and the ones a Handler is expected to take.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS"

// serveRequest answers req, which arrived over one of the agent's sockets.
// It runs on sipgo's goroutine for the request; tx is terminated, once it
// returns, as sipgo's own server does.
func (a *Agent) serveRequest(req *sip.Request, tx *sip.ServerTx) {
	defer tx.TerminateGracefully()
	a.served.Add(1)
	if a.deaf.Load() {
		return // a test's agent that ignores everything
	}
	a.answer(req, tx)
}

// answer picks the response to req: OPTIONS is answered here (RFC 3261
// §11.2), other methods go to Config.Handler when there is one; without
// one INVITE gets 480, CANCEL and BYE 481 (nothing known to cancel or
// end: §9.2, §15.1.2), ACK nothing (§17.2.1), other methods 405 with
// Allow (§8.2.1). Requests for a user that is none of the agent's
// Contacts, or with a Request-URI that is not a SIP URI, get 404 (§8.2.2.1).
func (a *Agent) answer(req *sip.Request, tx sip.ServerTransaction) {
	if req.IsAck() && a.cfg.Handler == nil {
		return
	}
	if !a.forUs(req.Recipient) {
		a.respond(req, tx, sip.StatusNotFound, "Not Found")
		return
	}
	switch {
	case req.Method == sip.OPTIONS:
		a.respondOptions(req, tx)
	case a.cfg.Handler != nil:
		a.cfg.Handler(req, tx)
	case req.Method == sip.INVITE:
		a.respond(req, tx, sip.StatusTemporarilyUnavailable, "Temporarily Unavailable")
	case req.Method == sip.CANCEL, req.Method == sip.BYE:
		a.respond(req, tx, sip.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
	default:
		a.respond(req, tx, sip.StatusMethodNotAllowed, "Method Not Allowed", sip.NewHeader("Allow", allowed))
	}
}

// forUs reports whether u is a SIP URI whose user is one of the agent's
// Contacts. Its host is not checked: behind NAT, or with contact_host,
// the registrar may reach us by another address than the one we bound.
func (a *Agent) forUs(u sip.Uri) bool {
	if u.Scheme != "sip" && u.Scheme != "sips" || u.User == "" {
		return false
	}
	contacts := a.contacts.Load()
	return contacts != nil && (*contacts)[u.User]
}

// respondOptions answers OPTIONS with what the agent accepts (RFC 3261
// §11.2: Allow, Accept and Supported; no option tag is supported).
func (a *Agent) respondOptions(req *sip.Request, tx sip.ServerTransaction) {
	a.respond(req, tx, sip.StatusOK, "OK",
		sip.NewHeader("Allow", allowed),
		sip.NewHeader("Accept", "application/sdp"),
		sip.NewHeader("Accept-Encoding", "identity"),
		sip.NewHeader("Accept-Language", "en"),
		sip.NewHeader("Supported", ""),
	)
}

// respond sends a response with the given headers; a failure is logged.
func (a *Agent) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, headers ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range headers {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		a.log.Debug("response not sent", "method", string(req.Method), "status", code, "to", req.Source(), "err", err)
	}
}
