package register

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// stack is one sipgo user agent with its transports, shared by accounts.
// TLS needs one per SIP domain: sipgo takes the TLS server name from its
// UA-wide tls.Config, and RFC 5922 §4 wants the domain there, not the IP.
type stack struct {
	ua     *sipgo.UserAgent
	client *sipgo.Client
	udp    *udpConns
	log    *slog.Logger
}

// newStack builds a user agent. tlsConf may be nil when TLS is not used.
func newStack(tlsConf *tls.Config, log *slog.Logger) (*stack, error) {
	log = clipLogger(log) // sipgo logs whole messages it cannot parse
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
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(log))
	if err != nil {
		_ = ua.Close()
		return nil, fmt.Errorf("create SIP client: %w", err)
	}
	return &stack{ua: ua, client: client, udp: newUDPConns(ua.TransportLayer()), log: log}, nil
}

func (st *stack) close() {
	st.udp.close()
	_ = st.ua.Close()
}

// localAddr returns the local address of the connection to t, making the
// connection when there is none: it is the Contact's host and port. A
// refused TCP connection or a failed TLS handshake is a transport error.
func (st *stack) localAddr(ctx context.Context, t locate.Target) (netip.AddrPort, error) {
	if t.Transport == locate.UDP {
		c, err := st.udp.get(t.AddrPort())
		if err != nil {
			return netip.AddrPort{}, err
		}
		return c.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort(), nil
	}
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: t.Addr.String()})
	req.SetTransport(strings.ToUpper(string(t.Transport)))
	req.SetDestination(t.AddrPort().String())
	req.AppendHeader(&sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: req.Transport(), Params: sip.NewParams()})
	conn, err := st.ua.TransportLayer().ClientRequestConnection(ctx, req)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("connect %s to %s: %w", t.Transport, t.AddrPort(), err)
	}
	// The reference ClientRequestConnection took is kept: the connection
	// stays open for later REGISTERs (same Contact) until the stack closes.
	ap, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("local address of connection to %s: %w", t.AddrPort(), err)
	}
	return ap, nil
}

// transact sends req to t as one client transaction bounded by timeout and
// returns the first usable final response. Unusable responses (see
// checkResponse) are logged and dropped; the transaction goes on waiting.
// The outcome is TransportFailed on an ICMP unreachable (UDP), a refused or
// reset connection or a TLS failure, and TimedOut when no usable final
// response came in time.
func (st *stack) transact(ctx context.Context, t locate.Target, req *sip.Request, timeout time.Duration) (*sip.Response, failover.Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var refused <-chan struct{}
	if t.Transport == locate.UDP {
		c, err := st.udp.get(t.AddrPort())
		if err != nil {
			return nil, failover.TransportFailed, err
		}
		refused = c.Refused()
	}
	tx, err := st.client.TransactionRequest(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, failover.TransportFailed, fmt.Errorf("send %s to %s: %w", req.Method, t.AddrPort(), err)
	}
	defer tx.Terminate()
	return st.await(ctx, t, req, tx, refused)
}

// await waits for the transaction's final response. When it ends without
// one, the error names the last response dropped, if any.
func (st *stack) await(ctx context.Context, t locate.Target, req *sip.Request, tx sip.ClientTransaction, refused <-chan struct{}) (*sip.Response, failover.Outcome, error) {
	dropped := ""
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
		case <-refused:
			return nil, failover.TransportFailed, fmt.Errorf("%s to %s: ICMP port unreachable", req.Method, t.AddrPort())
		case <-tx.Done():
			return nil, txOutcome(tx.Err()), fmt.Errorf("%s to %s: %w%s", req.Method, t.AddrPort(), tx.Err(), dropped)
		case <-ctx.Done():
			return nil, failover.TimedOut, fmt.Errorf("%s to %s: no answer: %w%s", req.Method, t.AddrPort(), ctx.Err(), dropped)
		}
	}
}

// txOutcome classifies how a transaction ended without a response.
func txOutcome(err error) failover.Outcome {
	if errors.Is(err, sip.ErrTransactionTransport) || isRefused(err) {
		return failover.TransportFailed
	}
	return failover.TimedOut
}
