package register

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/sipsend"
)

// stack is one sipgo user agent with its transports, shared by accounts.
// TLS needs one per SIP domain: sipgo takes the TLS server name from its
// UA-wide tls.Config, and RFC 5922 §4 wants the domain there, not the IP.
type stack struct {
	ua     *sipgo.UserAgent
	client *sipgo.Client
	udp    *sipsend.UDP
	flows  *flows // TCP and TLS
	log    *slog.Logger
}

// newStack builds a user agent. tlsConf may be nil when TLS is not used.
// closed is told, on a goroutine of its own, when a TCP or TLS connection
// closes; now times the connections; serve answers the requests that
// arrive; its sockets and connections are bound to bind (see dialer).
func newStack(tlsConf *tls.Config, log *slog.Logger, now func() time.Time, closed func(*flow), serve sip.TransactionRequestHandler, bind netip.AddrPort) (*stack, error) {
	// log is the agent's, which makes values printable and cuts them:
	// sipgo logs whole messages it cannot parse.
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent("siplocate"),
		sipgo.WithUserAgenTLSConfig(tlsConf),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(log),
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				log.Debug("response outside any transaction (a retransmission, or one given up on)", "status", r.StatusCode, "from", r.Source())
			}),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("create SIP user agent: %w", err)
	}
	// rport in every Via (RFC 3581 §3): responses go back to the address
	// and port the request came from, through NATs.
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log), sipgo.WithClientNAT())
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("create SIP client: %w", err)
	}
	ua.TransactionLayer().OnRequest(serve)
	tl := ua.TransportLayer()
	return &stack{ua: ua, client: client, udp: sipsend.NewUDPDial(tl, dialUDP(bind)), flows: newFlows(tl, tlsConf, now, closed, dialer(bind, "tcp")), log: log}, nil
}

func (st *stack) close() {
	st.udp.Close()
	st.flows.close()
	_ = st.ua.Close()
}

// localAddr returns the local address of the connection to t, making the
// connection when there is none: it is the Contact's host and port. For
// TCP and TLS it also returns the connection (nil for UDP). A refused TCP
// connection or a failed TLS handshake is a transport error.
func (st *stack) localAddr(ctx context.Context, t locate.Target) (netip.AddrPort, *flow, error) {
	var local net.Addr
	var f *flow
	if t.Transport == locate.UDP {
		c, err := st.udp.Conn(t.AddrPort())
		if err != nil {
			return netip.AddrPort{}, nil, err
		}
		local = c.LocalAddr()
	} else {
		var err error
		if f, err = st.flows.get(ctx, t); err != nil {
			return netip.AddrPort{}, nil, err
		}
		local = f.LocalAddr()
	}
	ap, err := netip.ParseAddrPort(local.String())
	if err != nil {
		return netip.AddrPort{}, nil, fmt.Errorf("local address of connection to %s: %w", t.AddrPort(), err)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), f, nil
}

// transact sends req to t as one client transaction bounded by timeout and
// returns the first usable final response. Unusable responses (see
// checkResponse) are logged and dropped; the transaction goes on waiting.
// The outcome is TransportFailed on an ICMP unreachable (UDP), a refused,
// reset or closed connection or a TLS failure, and TimedOut when no usable
// final response came in time.
func (st *stack) transact(ctx context.Context, t locate.Target, req *sip.Request, timeout time.Duration) (*sip.Response, failover.Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lost, err := st.lost(ctx, t)
	if err != nil {
		return nil, failover.TransportFailed, err
	}
	tx, err := st.client.TransactionRequest(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, failover.TransportFailed, fmt.Errorf("send %s to %s: %w", req.Method, t.AddrPort(), err)
	}
	defer tx.Terminate()
	return st.await(ctx, t, req, tx, lost)
}

// transportLoss watches the way to a target under a transaction: c is
// closed when it fails, the kernel having reported ICMP port unreachable
// (UDP) or the connection having closed (TCP, TLS).
type transportLoss struct {
	c      <-chan struct{}
	reason string
	// heard reports whether data came since the loss was taken: only
	// then may a response still be on its way (see streamLossGrace).
	heard func() bool
}

// lost returns the loss to watch for a transaction to t, making the socket
// or the connection when there is none. Take it before sending.
func (st *stack) lost(ctx context.Context, t locate.Target) (transportLoss, error) {
	if t.Transport == locate.UDP {
		c, err := st.udp.Conn(t.AddrPort())
		if err != nil {
			return transportLoss{}, err
		}
		return transportLoss{c: c.Refused(), reason: "ICMP port unreachable"}, nil
	}
	f, err := st.flows.get(ctx, t)
	if err != nil {
		return transportLoss{}, err
	}
	n := f.reads.Load()
	return transportLoss{c: f.Done(), reason: "connection closed", heard: func() bool { return f.reads.Load() != n }}, nil
}

// await waits for the transaction's final response. When it ends without
// one, the error names the last response dropped, if any. A transport loss
// ends it at once, or streamLossGrace later when data came over the
// connection since the request went out.
func (st *stack) await(ctx context.Context, t locate.Target, req *sip.Request, tx sip.ClientTransaction, lost transportLoss) (*sip.Response, failover.Outcome, error) {
	dropped := ""
	var grace <-chan time.Time
	for {
		select {
		case res := <-tx.Responses():
			if err := checkResponse(req, res); err != nil {
				st.log.Warn("dropped a response", "from", t.AddrPort(), "reason", err)
				dropped = " (" + err.Error() + ")"
				continue
			}
			if res.IsProvisional() {
				continue
			}
			return res, failover.Answered, nil
		case <-lost.c:
			if lost.heard == nil || !lost.heard() {
				return nil, failover.TransportFailed, fmt.Errorf("%s to %s: %s%s", req.Method, t.AddrPort(), lost.reason, dropped)
			}
			lost.c, grace = nil, time.After(streamLossGrace)
		case <-grace:
			return nil, failover.TransportFailed, fmt.Errorf("%s to %s: %s%s", req.Method, t.AddrPort(), lost.reason, dropped)
		case <-tx.Done():
			return nil, txOutcome(tx.Err()), fmt.Errorf("%s to %s: %w%s", req.Method, t.AddrPort(), tx.Err(), dropped)
		case <-ctx.Done():
			return nil, failover.TimedOut, fmt.Errorf("%s to %s: no answer: %w%s", req.Method, t.AddrPort(), ctx.Err(), dropped)
		}
	}
}

// streamLossGrace is how long a transaction waits for a response after
// its TCP or TLS connection closed, when data came over it since the
// request went out: sipgo hands each response it read to a goroutine of
// its own, so one read just before the end of the connection may still be
// on its way to the transaction.
const streamLossGrace = 50 * time.Millisecond

// txOutcome classifies how a transaction ended without a response.
func txOutcome(err error) failover.Outcome {
	if errors.Is(err, sip.ErrTransactionTransport) || sipsend.IsRefused(err) {
		return failover.TransportFailed
	}
	return failover.TimedOut
}
