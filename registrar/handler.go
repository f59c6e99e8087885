package registrar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// allowed lists the methods the registrar answers (RFC 3261 §20.5).
const allowed = "REGISTER, OPTIONS"

// validateRequest reports why req is too malformed to answer: a request
// lacks one of the headers every request needs (RFC 3261 §8.1.1), or its
// CSeq method differs from the request method (§8.1.1.5).
func validateRequest(req *sip.Request) error {
	switch {
	case req.Via() == nil:
		return errors.New("no Via header")
	case req.From() == nil:
		return errors.New("no From header")
	case req.To() == nil:
		return errors.New("no To header")
	case req.CallID() == nil || req.CallID().Value() == "":
		return errors.New("no Call-ID header")
	case req.CSeq() == nil:
		return errors.New("no CSeq header")
	case req.CSeq().MethodName != req.Method:
		return fmt.Errorf("CSeq method %s is not the request method %s", req.CSeq().MethodName, req.Method)
	}
	return nil
}

// checkDatagram parses one UDP datagram and reports why it is malformed,
// nil when it is a request fit to handle or a keep-alive.
func checkDatagram(p *sip.Parser, data []byte) error {
	if len(strings.Trim(string(data), "\r\n")) == 0 {
		return nil // RFC 5626 §3.5.1 keep-alive; sipgo skips it
	}
	msg, err := p.ParseSIP(data)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	req, ok := msg.(*sip.Request)
	if !ok {
		return errors.New("a response, and the registrar sends no requests")
	}
	return validateRequest(req)
}

// respond returns the response to req from source, or nil to answer
// nothing. It is the whole request path but the sockets: sipgo's server
// calls it and sends what it returns.
func (r *Registrar) respond(req *sip.Request, source string) *sip.Response {
	if err := validateRequest(req); err != nil {
		r.drop(req.Method.String(), source, "malformed: "+err.Error(), true)
		return nil
	}
	r.emit(Event{Kind: EventReceived, Method: req.Method.String(), Source: source})
	if req.IsAck() {
		return nil // RFC 3261 §17.2.1: an ACK gets no response
	}
	if req.SipVersion != sipVersion {
		// RFC 3261 §21.5.6; the answer itself is SIP/2.0 (see answer).
		return r.answer(req, source, errResponse(req, fail(505, "Version Not Supported")))
	}
	fault := r.Fault()
	switch {
	case fault.Kind == FaultSilent:
		r.drop(req.Method.String(), source, "fault: silent", false)
		return nil
	case fault.Kind == Fault503:
		return r.answer(req, source, r.unavailable(req, fault))
	}
	return r.answer(req, source, r.dispatch(req, source))
}

// dispatch answers req by its method.
func (r *Registrar) dispatch(req *sip.Request, source string) *sip.Response {
	switch req.Method {
	case sip.REGISTER:
		return r.register(req, source)
	case sip.OPTIONS:
		return r.options(req)
	case sip.CANCEL:
		// RFC 3261 §9.2: there is never an INVITE transaction to cancel.
		return errResponse(req, fail(481, "Call/Transaction Does Not Exist"))
	}
	// RFC 3261 §8.2.1: 405 with an Allow header.
	return errResponse(req, fail(405, "Method Not Allowed", sip.NewHeader("Allow", allowed)))
}

// sipVersion is the only SIP version the registrar speaks (RFC 3261 §7.1).
const sipVersion = "SIP/2.0"

// answer stamps the Server header and SIP/2.0 on res, records it and
// returns it: sipgo copies the request's version into the response.
func (r *Registrar) answer(req *sip.Request, source string, res *sip.Response) *sip.Response {
	res.SipVersion = sipVersion
	res.AppendHeader(sip.NewHeader("Server", r.cfg.userAgent()))
	r.stats.answered.Add(1)
	r.emit(Event{Kind: EventAnswered, Method: req.Method.String(), Source: source, Status: res.StatusCode, Reason: res.Reason})
	return res
}

// unavailable returns 503 with Retry-After (RFC 3261 §21.5.4, §20.33).
func (r *Registrar) unavailable(req *sip.Request, f Fault) *sip.Response {
	secs := strconv.Itoa(int(f.retryAfter().Seconds()))
	return errResponse(req, fail(503, "Service Unavailable", sip.NewHeader("Retry-After", secs)))
}

// options answers OPTIONS with 200 and what the registrar supports
// (RFC 3261 §11.2).
func (r *Registrar) options(req *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	res.AppendHeader(sip.NewHeader("Supported", ""))
	return res
}

// register runs RFC 3261 §10.3 on a REGISTER.
func (r *Registrar) register(req *sip.Request, source string) *sip.Response {
	now := r.cfg.now()
	reg, serr := r.admit(req, source)
	if serr != nil {
		return errResponse(req, serr)
	}
	changes, expired, serr := r.store.update(reg, now, func(after []Binding) *statusError {
		return r.checkBindings(req, reg, after, now)
	})
	r.emitExpired(expired)
	if serr != nil {
		return errResponse(req, serr)
	}
	r.emitChanges(changes, source, now)
	r.keepTCP(req, changes, now)
	res := okResponse(req, r.store.list(reg.aor), now)
	if !r.fits(req, res) {
		// Only a removal gets here (checkBindings refused the rest), or a
		// REGISTER that TCP ones overtook: the listing is a SHOULD
		// (RFC 3261 §10.3 step 8) and the 200 must go.
		res = okResponse(req, nil, now)
	}
	return res
}

// checkBindings refuses a REGISTER after which its AOR would hold more
// than MaxContacts bindings, or, over UDP, whose 200 OK listing them
// would not be sent: sipgo drops UDP messages over sip.UDPMTUSize - 200
// bytes (1,300), a package variable the registrar leaves alone; RFC 3261
// §18.2.2 sends a response on the transport its request came on. Both get
// 403: the request is understood and must not be repeated as it is (§21.4.4);
// a 503 would send a client to another server (RFC 3263 §4.3) for nothing.
// A REGISTER that only removes bindings is never refused.
func (r *Registrar) checkBindings(req *sip.Request, reg *regRequest, after []Binding, now time.Time) *statusError {
	if reg.removesOnly() {
		return nil
	}
	if len(after) > r.cfg.maxContacts() {
		return fail(403, "Too Many Contacts")
	}
	if !r.fits(req, okResponse(req, after, now)) {
		return fail(403, "Too Many Contacts For UDP")
	}
	return nil
}

// fits reports whether res, once answer stamps it, can be sent on the
// transport req came on: over UDP sipgo sends at most sip.UDPMTUSize - 200
// bytes.
func (r *Registrar) fits(req *sip.Request, res *sip.Response) bool {
	if !strings.EqualFold(req.Transport(), "udp") {
		return true
	}
	server := len("Server: \r\n") + len(r.cfg.userAgent())
	return len(res.String())+server <= sip.UDPMTUSize-200
}

// keepTCP holds the TCP connection a REGISTER came on open until the
// bindings it made expire, however idle: the client's flow lives on it
// (RFC 5626 §4.4), and a client without keep-alives would otherwise see
// it close and register again.
func (r *Registrar) keepTCP(req *sip.Request, changes []change, now time.Time) {
	if !strings.EqualFold(req.Transport(), "tcp") {
		return
	}
	var longest time.Duration
	for _, c := range changes {
		if !c.remove {
			longest = max(longest, c.b.Expires.Sub(now))
		}
	}
	if longest > 0 {
		r.tcp.keep(req.Source(), longest)
	}
}

// admit runs steps 2 to 7 of RFC 3261 §10.3 up to the binding updates, in
// the RFC's order: extensions, authentication, AOR, authorization, then
// the contacts and their expiries.
func (r *Registrar) admit(req *sip.Request, source string) (*regRequest, *statusError) {
	if h := req.GetHeader("Require"); h != nil {
		return nil, fail(420, "Bad Extension", sip.NewHeader("Unsupported", h.Value()))
	}
	user := ""
	if !r.cfg.NoAuth {
		var serr *statusError
		if user, serr = r.auth.verify(req, r.cfg.now()); serr != nil {
			return nil, serr
		}
	}
	aor, aorUser, serr := canonicalAOR(req.To().Address)
	if serr != nil {
		return nil, serr
	}
	if !r.cfg.NoAuth && user != aorUser {
		return nil, fail(403, "Forbidden") // step 4: not this user's AOR
	}
	return parseRegister(req, &r.cfg, aor, source)
}

// errResponse builds the response for serr.
func errResponse(req *sip.Request, serr *statusError) *sip.Response {
	res := sip.NewResponseFromRequest(req, serr.code, serr.reason, nil)
	for _, h := range serr.headers {
		res.AppendHeader(h)
	}
	return res
}
