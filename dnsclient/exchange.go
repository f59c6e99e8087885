package dnsclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// errMismatch marks a packet that is not the answer to our query; the UDP
// reader drops it and keeps waiting (RFC 5452 §4.3).
var errMismatch = errors.New("answer does not match the query")

// newQuery returns a recursive query for (name, qtype) advertising the
// configured EDNS0 payload size (RFC 6891 §6.2.5) and a fresh ID.
func (c *Client) newQuery(name string, qtype uint16) *dns.Msg {
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.Id = c.cfg.id()
	q.SetEdns0(c.cfg.udpSize(), false)
	return q
}

// exchangeTC sends q to server over UDP and, when the answer is
// truncated, again over TCP (RFC 1035 §4.2.1, RFC 7766 §5). The RTT
// covers both.
func (c *Client) exchangeTC(ctx context.Context, server string, q *dns.Msg) (*dns.Msg, time.Duration, error) {
	r, rtt, err := c.exchange(ctx, "udp", server, q)
	if err != nil || !r.Truncated {
		return r, rtt, err
	}
	c.stats.truncated.Add(1)
	q.Id = c.cfg.id()
	r, rtt2, err := c.exchange(ctx, "tcp", server, q)
	if err == nil && r.Truncated {
		err = fmt.Errorf("%w: truncated over TCP", ErrMalformed)
	}
	return r, rtt + rtt2, err
}

// exchange sends one query to one server over network and waits for the
// matching answer, for at most the per-attempt timeout.
func (c *Client) exchange(ctx context.Context, network, server string, q *dns.Msg) (*dns.Msg, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	wire, err := q.Pack()
	if err != nil {
		return nil, 0, fmt.Errorf("pack query: %w", err)
	}
	conn, err := c.cfg.dial(ctx, network, server)
	if err != nil {
		return nil, 0, c.ioError(ctx, fmt.Errorf("dial %s: %w", network, err))
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) }) //nolint:errcheck
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d) //nolint:errcheck
	}
	c.stats.queries.Add(1)
	start := time.Now()
	var r *dns.Msg
	if network == "tcp" {
		r, err = c.roundTripTCP(conn, wire, q)
	} else {
		r, err = c.roundTripUDP(conn, wire, q)
	}
	if err != nil {
		return nil, 0, c.ioError(ctx, err)
	}
	return r, time.Since(start), nil
}

// ioError turns a deadline hit into ErrTimeout and counts it.
func (c *Client) ioError(ctx context.Context, err error) error {
	var ne net.Error
	if errors.Is(err, ErrMalformed) {
		return err
	}
	if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
		c.stats.timeouts.Add(1)
		return fmt.Errorf("%w (%v)", ErrTimeout, err)
	}
	return err
}

// roundTripUDP writes the query and reads datagrams until one answers it.
// The socket is connected, so the kernel already drops datagrams from
// other sources; packets with the wrong ID or question are dropped and
// counted. A malformed answer with our ID is remembered and reported if
// nothing better arrives before the deadline (a forger could send it).
func (c *Client) roundTripUDP(conn net.Conn, wire []byte, q *dns.Msg) (*dns.Msg, error) {
	if _, err := conn.Write(wire); err != nil {
		return nil, fmt.Errorf("write udp: %w", err)
	}
	buf := c.getBuf()
	defer c.bufs.Put(&buf)
	var malformed error
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if malformed != nil {
				return nil, fmt.Errorf("%w (then %v)", malformed, err)
			}
			return nil, fmt.Errorf("read udp: %w", err)
		}
		r, err := c.checkAnswer(buf[:n], q)
		if err == nil {
			return r, nil
		}
		if errors.Is(err, ErrMalformed) {
			malformed = err
		}
	}
}

// roundTripTCP writes the length-prefixed query and reads one answer
// (RFC 1035 §4.2.2); over TCP a mismatched answer is an error.
func (c *Client) roundTripTCP(conn net.Conn, wire []byte, q *dns.Msg) (*dns.Msg, error) {
	out := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(wire)), uint16(len(wire)))
	if _, err := conn.Write(append(out, wire...)); err != nil {
		return nil, fmt.Errorf("write tcp: %w", err)
	}
	var l [2]byte
	if _, err := io.ReadFull(conn, l[:]); err != nil {
		return nil, fmt.Errorf("read tcp length: %w", err)
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return nil, fmt.Errorf("read tcp answer: %w", err)
	}
	r, err := c.checkAnswer(buf, q)
	if errors.Is(err, errMismatch) {
		return nil, fmt.Errorf("%w: over tcp, %v", ErrMalformed, err)
	}
	return r, err
}

// checkAnswer parses b and checks that it answers q: same ID, QR set, the
// same single question with the name compared case-insensitively (RFC
// 5452 §4.3, RFC 4343). It counts what it drops.
func (c *Client) checkAnswer(b []byte, q *dns.Msg) (*dns.Msg, error) {
	r, err := parseAnswer(b, q)
	switch {
	case errors.Is(err, errMismatch):
		c.stats.mismatched.Add(1)
	case err != nil:
		c.stats.malformed.Add(1)
	}
	return r, err
}

// parseAnswer is checkAnswer without the counting.
func parseAnswer(b []byte, q *dns.Msg) (*dns.Msg, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a header", ErrMalformed, len(b))
	}
	if binary.BigEndian.Uint16(b) != q.Id {
		return nil, errMismatch
	}
	r := new(dns.Msg)
	if err := r.Unpack(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !r.Response || len(r.Question) != 1 {
		return nil, errMismatch
	}
	got, want := r.Question[0], q.Question[0]
	if got.Qtype != want.Qtype || got.Qclass != want.Qclass || !strings.EqualFold(got.Name, want.Name) {
		return nil, errMismatch
	}
	return r, nil
}

// getBuf returns a read buffer big enough for any datagram: a server may
// ignore the advertised EDNS0 size, and a short read would lose the tail.
// Parsed messages copy what they keep, so buffers go back to c.bufs at once.
func (c *Client) getBuf() []byte {
	if bp, ok := c.bufs.Get().(*[]byte); ok {
		return *bp
	}
	return make([]byte, dns.MaxMsgSize)
}
