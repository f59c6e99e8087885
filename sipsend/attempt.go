package sipsend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// transact sends the request to t in a client transaction of
// its own and waits for its final response. The outcome is Answered with
// the response, TimedOut, or TransportFailed (ICMP port unreachable on a
// connected UDP socket, a refused TCP connection, a failed TLS handshake,
// sipgo's transport error).
func (s *search) transact(ctx context.Context, t locate.Target) (*sip.Response, failover.Outcome, error) {
	if s.opts.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.AttemptTimeout)
		defer cancel()
	}
	// The request itself goes, as sipgo's own Do and DoDigestAuth send one
	// request again: the previous attempt's transaction has ended, and its
	// Via goes with it (a new branch each time).
	req := s.req
	req.RemoveHeader("Via")
	req.SetDestination(t.AddrPort().String())
	req.SetTransport(viaTransport(t.Transport))
	lost, err := s.watch(ctx, t)
	if err != nil {
		return nil, failover.TransportFailed, err
	}
	tx, err := s.client.TransactionRequest(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, failover.TransportFailed, fmt.Errorf("send %s to %s %s: %w", req.Method, t.Transport, t.AddrPort(), err)
	}
	defer tx.Terminate()
	return s.await(ctx, t, req, tx, lost)
}

// viaTransport returns t as sipgo names it ("UDP", "TCP", "TLS"), without
// an allocation for the common ones.
func viaTransport(t locate.Transport) string {
	switch t {
	case locate.UDP:
		return "UDP"
	case locate.TCP:
		return "TCP"
	case locate.TLS:
		return "TLS"
	}
	return strings.ToUpper(string(t))
}

// loss is how the way to a target is seen to fail under a transaction: c
// is closed when the kernel reports ICMP port unreachable (connected UDP)
// or the connection closes (TCP, TLS). A nil c is never closed.
type loss struct {
	c      <-chan struct{}
	reason string
	grace  time.Duration // how long a response may still be on its way
}

// streamLossGrace is how long an attempt waits for a response after its
// TCP or TLS connection closed: sipgo hands each message it read to a
// goroutine of its own, so the last one may still be on its way.
const streamLossGrace = 50 * time.Millisecond

// watch returns the loss to watch for an attempt to t, making the
// connected socket or the connection when there is none; a refused
// connection or a failed handshake is the error.
func (s *search) watch(ctx context.Context, t locate.Target) (loss, error) {
	switch {
	case t.Transport == locate.UDP && s.opts.UDP != nil:
		c, err := s.opts.UDP.Conn(t.AddrPort())
		if err != nil {
			return loss{}, err
		}
		return loss{c: c.Refused(), reason: "ICMP port unreachable"}, nil
	case (t.Transport == locate.TCP || t.Transport == locate.TLS) && s.opts.Streams != nil:
		c, err := s.opts.Streams.Conn(ctx, t, s.domain())
		if err != nil {
			return loss{}, err
		}
		return loss{c: c.Done(), reason: "connection closed", grace: streamLossGrace}, nil
	}
	return loss{}, nil
}

// await waits for tx's final response. Responses that do not belong to
// the request (checkResponse) are logged and dropped; the wait goes on.
func (s *search) await(ctx context.Context, t locate.Target, req *sip.Request, tx sip.ClientTransaction, lost loss) (*sip.Response, failover.Outcome, error) {
	dropped := ""
	var grace <-chan time.Time
	for {
		select {
		case res := <-tx.Responses():
			if err := checkResponse(req, res); err != nil {
				s.opts.logger().Warn("dropped a response", "from", t.AddrPort(), "reason", err)
				dropped = " (dropped: " + err.Error() + ")"
				continue
			}
			if res.IsProvisional() {
				continue
			}
			return res, failover.Answered, nil
		case <-lost.c:
			if lost.grace > 0 {
				lost.c, grace = nil, time.After(lost.grace)
				continue
			}
			return nil, failover.TransportFailed, fmt.Errorf("%s to %s: %s%s", req.Method, t.AddrPort(), lost.reason, dropped)
		case <-grace:
			return nil, failover.TransportFailed, fmt.Errorf("%s to %s: %s%s", req.Method, t.AddrPort(), lost.reason, dropped)
		case <-tx.Done():
			return nil, txOutcome(tx.Err()), fmt.Errorf("%s to %s: %w%s", req.Method, t.AddrPort(), tx.Err(), dropped)
		case <-ctx.Done():
			return nil, failover.TimedOut, fmt.Errorf("%s to %s: no answer: %w%s", req.Method, t.AddrPort(), ctx.Err(), dropped)
		}
	}
}

// txOutcome classifies how a transaction ended without a response.
func txOutcome(err error) failover.Outcome {
	if errors.Is(err, sip.ErrTransactionTransport) || IsRefused(err) {
		return failover.TransportFailed
	}
	return failover.TimedOut
}

// checkResponse returns why res cannot be the answer to req, or nil:
// RFC 3261 §8.1.3.3 matches on Call-ID, CSeq and the From tag.
func checkResponse(req *sip.Request, res *sip.Response) error {
	switch {
	case res.CallID() == nil || res.CSeq() == nil || res.From() == nil || res.To() == nil:
		return errors.New("missing Call-ID, CSeq, From or To")
	case string(*res.CallID()) != string(*req.CallID()):
		return fmt.Errorf("response Call-ID %q is not ours", string(*res.CallID()))
	case res.CSeq().SeqNo != req.CSeq().SeqNo || res.CSeq().MethodName != req.Method:
		return fmt.Errorf("response CSeq %q does not match", res.CSeq().Value())
	case res.From().Params.GetOr("tag", "") != req.From().Params.GetOr("tag", ""):
		return errors.New("response From tag does not match")
	case res.StatusCode < 100 || res.StatusCode > 699:
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// domain returns the host of the URI located: the name a TLS server's
// certificate must hold (RFC 5922 §4).
func (s *search) domain() string {
	u, err := locate.ParseURI(s.trace.NextHop)
	if err != nil {
		return ""
	}
	return u.Host
}
