package register

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/internal/logsafe"
	"github.com/siplocate/siplocate/locate"
)

// maxSteps bounds the transactions of one attempt: the REGISTER, answers to
// a 407 and a 401, and one retry after a 423.
const maxSteps = 4

// result is what came of one attempt.
type result struct {
	outcome    failover.Outcome
	status     int           // the final status, 0 when none
	reason     string        // its reason phrase
	granted    time.Duration // > 0 when registered
	retryAfter time.Duration // a 503's Retry-After
	contact    sip.Uri
	flow       *flow // TCP, TLS: the connection the binding lives on
	err        error
}

// attempt is one attempt to register with t: a REGISTER transaction, and
// the ones that answer its 401/407 challenge or its 423. The first
// transaction without a usable answer decides the outcome.
// n and of number it in its events: "attempt n/of".
func (s *session) attempt(ctx context.Context, t locate.Target, n, of int) result {
	s.emit(Event{Kind: Registering, Target: t, Attempt: n, Attempts: of})
	r := s.exchange(ctx, t, s.expires, nil)
	if errors.Is(r.err, errDropped) { // an unusable challenge or 423
		s.log.Warn("dropped a response", "target", targetName(t), "reason", r.err)
	}
	switch {
	case r.granted > 0 || ctx.Err() != nil:
	case r.outcome == failover.Answered:
		s.emit(Event{Kind: Rejected, Target: t, Status: r.status, Reason: r.reason, Err: r.err})
	default:
		s.emit(Event{Kind: AttemptFailed, Target: t, Outcome: r.outcome.String(), Status: r.status, Reason: r.reason, Err: r.err, Attempt: n, Attempts: of})
	}
	return r
}

// exchange registers (expires > 0) or unregisters (expires == 0) with t;
// bound is the Contact to unregister (nil: the current connection's).
func (s *session) exchange(ctx context.Context, t locate.Target, expires time.Duration, bound *sip.Uri) result {
	st, contact, f, err := s.prepare(ctx, t)
	if err != nil {
		return result{outcome: failover.TransportFailed, err: err}
	}
	if bound != nil {
		contact = *bound
	}
	var challenges []*sip.Response
	uses := map[*sip.Response]int{} // requests sent on each challenge's nonce
	for step := 0; step < maxSteps; step++ {
		req := s.dlg.newRequest(sip.REGISTER, t, &contact, expires)
		if err := s.authorize(req, challenges, uses); err != nil {
			return result{outcome: failover.TimedOut, err: err} // an unusable challenge is no answer
		}
		res, o, err := st.transact(ctx, t, req, s.acct.attemptTimeout())
		if o != failover.Answered {
			return result{outcome: o, err: err, contact: contact}
		}
		r, next := s.judge(res, contact, expires, &challenges)
		if !next {
			r.flow = f
			return r
		}
		if res.StatusCode == sip.StatusIntervalToBrief {
			expires = s.expires
		}
	}
	return result{outcome: failover.Answered, err: errors.New("too many challenges or 423s"), contact: contact}
}

// judge reads a final response: done (with the result) or go on with
// another transaction (challenge answered, expiry raised).
func (s *session) judge(res *sip.Response, contact sip.Uri, asked time.Duration, challenges *[]*sip.Response) (result, bool) {
	r := result{outcome: failover.Answered, status: res.StatusCode, reason: res.Reason, contact: contact}
	switch code := res.StatusCode; {
	case code >= 200 && code < 300:
		r.granted = grantedExpiry(res, contact, asked)
		if asked == 0 {
			return r, false
		}
		if r.granted <= 0 {
			r.granted, r.err = 0, fmt.Errorf("%d with expires 0: binding not kept", code)
		}
		return r, false
	case code == sip.StatusUnauthorized || code == sip.StatusProxyAuthRequired:
		if challengedBefore(*challenges, res) {
			r.err = fmt.Errorf("%d: credentials refused", code)
			return r, false
		}
		*challenges = append(*challenges, res)
		return r, true
	case code == sip.StatusIntervalToBrief:
		min, err := minExpires(res, asked)
		if err != nil {
			r.err = err
			return r, false
		}
		s.expires = min // RFC 3261 §10.2.8: the next REGISTERs ask for at least this
		return r, true
	case code == sip.StatusServiceUnavailable:
		r.outcome, r.retryAfter = failover.Unavailable, retryAfter(res)
		r.err = fmt.Errorf("503 %s", logsafe.Quote(res.Reason))
		return r, false
	}
	r.err = fmt.Errorf("%d %s", res.StatusCode, logsafe.Quote(res.Reason))
	return r, false
}

// challengedBefore reports whether a challenge of res's kind was answered
// already and this one is not marked stale (RFC 7616 §3.3): the
// credentials were refused.
func challengedBefore(prev []*sip.Response, res *sip.Response) bool {
	for _, p := range prev {
		if p.StatusCode == res.StatusCode {
			h := res.GetHeader("WWW-Authenticate")
			if res.StatusCode == sip.StatusProxyAuthRequired {
				h = res.GetHeader("Proxy-Authenticate")
			}
			chal, err := pickChallenge(headerValues(h))
			return err != nil || !chal.Stale
		}
	}
	return false
}

func headerValues(h sip.Header) []string {
	if h == nil {
		return nil
	}
	return []string{h.Value()}
}

// authorize answers every challenge received so far, the latest of each
// kind, counting in uses the requests sent on each one's nonce: a request
// sent again on a nonce (after a 423) carries the next nonce count, as
// RFC 7616 §3.4 has it, or a registrar that tracks counts takes it for a
// replay.
func (s *session) authorize(req *sip.Request, challenges []*sip.Response, uses map[*sip.Response]int) error {
	user := s.acct.AuthUser
	if user == "" {
		user = s.dlg.aor.User
	}
	latest := map[int]*sip.Response{}
	for _, c := range challenges {
		latest[c.StatusCode] = c
	}
	for _, c := range latest {
		uses[c]++
		if err := authorize(req, c, user, s.acct.Password, uses[c]); err != nil {
			return err
		}
	}
	return nil
}

// prepare returns the stack for t, the Contact for a binding there (the
// account's user at the local address of the connection to t) and, for
// TCP and TLS, the connection. Making the connection takes at most the
// attempt timeout.
func (s *session) prepare(ctx context.Context, t locate.Target) (sipStack, sip.Uri, *flow, error) {
	st, err := s.agent.sip(t.Transport, s.dlg.reqURI.Host, s.bind)
	if err != nil {
		return nil, sip.Uri{}, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.acct.attemptTimeout())
	defer cancel()
	local, f, err := st.localAddr(ctx, t)
	if err != nil {
		return nil, sip.Uri{}, nil, err
	}
	c := sip.Uri{Scheme: "sip", User: s.contactUser(), Host: local.Addr().String(), Port: int(local.Port())}
	if h := s.acct.ContactHost; h != "" {
		c.Host = h
		if host, port, err := net.SplitHostPort(h); err == nil {
			c.Host, c.Port = host, atoiPort(port)
		}
		c.Host = strings.TrimSuffix(strings.TrimPrefix(c.Host, "["), "]")
	}
	if t.Transport != locate.UDP {
		c.UriParams = sip.NewParams()
		c.UriParams.Add("transport", string(t.Transport))
	}
	return st, c, f, nil
}

// contactUser returns the user part of the Contact: Account.Contact or
// the AOR's user.
func (s *session) contactUser() string {
	if s.acct.Contact != "" {
		return s.acct.Contact
	}
	return s.dlg.aor.User
}

// unregister removes the binding at the current target (Expires: 0) when
// the agent stops; ctx is the agent's shutdown deadline, and each
// transaction has the attempt timeout as well.
func (s *session) unregister(ctx context.Context) {
	if !s.registered {
		return
	}
	s.unbind(ctx, s.current, s.contact)
	s.registered = false
	s.flow.Store(nil)
}

// unbind sends REGISTER with Expires: 0 for contact to t.
func (s *session) unbind(ctx context.Context, t locate.Target, contact sip.Uri) {
	r := s.exchange(ctx, t, 0, &contact)
	if r.outcome != failover.Answered || r.status < 200 || r.status >= 300 {
		s.log.Warn("unregister failed", "target", targetName(t), "status", r.status, "err", r.err)
		return
	}
	s.emit(Event{Kind: Unregistered, Target: t, Status: r.status, Reason: r.reason})
}
