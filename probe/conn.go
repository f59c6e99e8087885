package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// prober is one probe in flight.
type prober struct {
	t      Target
	domain string
	opts   *Options
}

// run dials the target's transport, sends the request and reads the
// final response.
func (p *prober) run(ctx context.Context) Result {
	if !p.t.Address.IsValid() || p.t.Port == 0 {
		return Result{Outcome: Failed, Err: fmt.Errorf("probe %s: no address or port", p.t)}
	}
	switch p.t.Transport {
	case "udp":
		return p.udp(ctx)
	case "tcp":
		conn, res, ok := p.dialTCP(ctx)
		if !ok {
			return res
		}
		defer conn.Close() //nolint:errcheck // done with it
		return p.exchange(ctx, conn, newStreamReader(conn, p.opts.maxResponse()))
	case "tls":
		return p.tls(ctx)
	}
	return Result{Outcome: Failed, Err: fmt.Errorf("probe %s: transport %q: want udp, tcp or tls", p.t, p.t.Transport)}
}

// udp probes over a connected UDP socket: Linux reports an ICMP port
// unreachable as ECONNREFUSED on such a socket only (ip(7)).
func (p *prober) udp(ctx context.Context) Result {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", p.addr())
	if err != nil {
		return p.failed("connect UDP socket", err)
	}
	defer conn.Close() //nolint:errcheck // done with it
	return p.exchange(ctx, conn, &datagramReader{conn: conn, max: p.opts.maxResponse()})
}

// dialTCP connects; ok false with the result when it could not.
func (p *prober) dialTCP(ctx context.Context) (net.Conn, Result, bool) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.addr())
	if err != nil {
		return nil, p.failed("connect", err), false
	}
	return conn, Result{}, true
}

// tls connects, shakes hands with SNI the SIP domain (RFC 5922 §4), checks
// the certificate (§7) and then sends the request over the connection.
func (p *prober) tls(ctx context.Context) Result {
	conn, res, ok := p.dialTCP(ctx)
	if !ok {
		return res
	}
	defer conn.Close() //nolint:errcheck // done with it
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.opts.TLS != nil {
		conf = p.opts.TLS.Clone()
	}
	roots := conf.RootCAs
	conf.ServerName = p.domain     // SNI: the SIP domain, RFC 5922 §4
	conf.InsecureSkipVerify = true //nolint:gosec // verified below, against the SIP domain as RFC 5922 §7 says
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		if ctx.Err() != nil {
			return p.failed("TLS handshake", err)
		}
		return Result{Outcome: TLSHandshake, Err: fmt.Errorf("TLS handshake with %s: %w", p.t, err)}
	}
	cert := checkCert(tc.ConnectionState().PeerCertificates, roots, p.domain, p.opts.now())
	switch {
	case cert.ChainErr != nil:
		return Result{Outcome: TLSCertificate, Cert: cert, Err: fmt.Errorf("certificate of %s: %w", p.t, cert.ChainErr)}
	case !cert.NameOK:
		return Result{Outcome: TLSName, Cert: cert, Err: fmt.Errorf("certificate of %s does not name %s (RFC 5922 §7.2): it names %s",
			p.t, p.domain, cert.names())}
	}
	res = p.exchange(ctx, tc, newStreamReader(tc, p.opts.maxResponse()))
	res.Cert = cert
	return res
}

func (p *prober) addr() string {
	return net.JoinHostPort(p.t.Address.String(), fmt.Sprint(p.t.Port))
}

// responseReader reads the next SIP response of a connection.
type responseReader interface {
	next() (*response, error)
}

// exchange sends the request on conn and reads responses until a final
// one that belongs to it; provisional and stray ones are skipped (a bounded
// number of them).
func (p *prober) exchange(ctx context.Context, conn net.Conn, rr responseReader) Result {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req := newRequest(p.t, p.domain, conn.LocalAddr())
	start := time.Now()
	if _, err := conn.Write(req.bytes); err != nil {
		return p.failed("send OPTIONS", err)
	}
	for range maxResponses {
		res, err := rr.next()
		if err != nil {
			return p.failed("read response", err)
		}
		if res.callID != req.callID || res.status < 200 {
			continue // another request's, or provisional (RFC 3261 §17.1.1)
		}
		return Result{Outcome: Answered, Status: res.status, Reason: res.reason, RetryAfter: res.retryAfter, RTT: time.Since(start)}
	}
	return Result{Outcome: Garbage, Err: fmt.Errorf("probe %s: %d responses and none final for the request", p.t, maxResponses)}
}

// maxResponses bounds the responses one probe reads.
const maxResponses = 8

// failed classifies a transport error.
func (p *prober) failed(what string, err error) Result {
	err = fmt.Errorf("probe %s: %s: %w", p.t, what, err)
	var ge *garbageError
	var ne net.Error
	switch {
	case errors.As(err, &ge):
		return Result{Outcome: Garbage, Err: err}
	case errors.Is(err, syscall.ECONNREFUSED) && p.t.Transport == "udp":
		return Result{Outcome: Unreachable, Err: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return Result{Outcome: Refused, Err: err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, syscall.EPIPE):
		return Result{Outcome: Reset, Err: err}
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return Result{Outcome: Silent, Err: err}
	}
	return Result{Outcome: Failed, Err: err}
}
