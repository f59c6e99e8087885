package probe

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// request is an OPTIONS request on the wire, and what identifies its
// responses.
type request struct {
	bytes  []byte
	callID string
}

// newRequest returns an OPTIONS for sip:domain (RFC 3261 §11.1) sent from
// local over t's transport.
func newRequest(t Target, domain string, local net.Addr) request {
	callID := token() + "@siplocate.probe"
	via := strings.ToUpper(t.Transport)
	var b strings.Builder
	fmt.Fprintf(&b, "OPTIONS sip:%s SIP/2.0\r\n", domain)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n", via, local, token())
	b.WriteString("Max-Forwards: 70\r\n")
	fmt.Fprintf(&b, "From: <sip:probe@%s>;tag=%s\r\n", domain, token())
	fmt.Fprintf(&b, "To: <sip:%s>\r\n", domain)
	fmt.Fprintf(&b, "Call-ID: %s\r\n", callID)
	b.WriteString("CSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nUser-Agent: siplocate-probe\r\nContent-Length: 0\r\n\r\n")
	return request{bytes: []byte(b.String()), callID: callID}
}

// token returns 16 random hex digits for a branch, tag or Call-ID.
func token() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// response is what a probe needs of a SIP response.
type response struct {
	status        int
	reason        string
	callID        string
	retryAfter    time.Duration
	contentLength int
}

// garbageError is a response that is not SIP, or too big.
type garbageError struct{ why string }

func (e *garbageError) Error() string { return "not a SIP response: " + e.why }

func garbage(format string, a ...any) error { return &garbageError{why: fmt.Sprintf(format, a...)} }

// parseHead parses a response's start line and headers (RFC 3261 §7.2),
// up to the empty line.
func parseHead(head []byte) (*response, error) {
	lines := strings.Split(strings.TrimRight(string(head), "\r\n"), "\n")
	res, err := parseStatusLine(strings.TrimSuffix(lines[0], "\r"))
	if err != nil {
		return nil, err
	}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(strings.TrimSuffix(l, "\r"), ":")
		if !ok {
			continue // a folded line or junk: nothing a probe needs
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "call-id", "i":
			res.callID = value
		case "retry-after":
			res.retryAfter = parseRetryAfter(value)
		case "content-length", "l":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return nil, garbage("Content-Length %q", clean(value))
			}
			res.contentLength = n
		}
	}
	return res, nil
}

// parseStatusLine reads "SIP/2.0 200 OK" (RFC 3261 §7.2).
func parseStatusLine(l string) (*response, error) {
	rest, ok := strings.CutPrefix(l, "SIP/2.0 ")
	if !ok {
		return nil, garbage("start line %q", clean(l))
	}
	code, reason, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || n < 100 || n > 699 {
		return nil, garbage("status %q", clean(code))
	}
	return &response{status: n, reason: clean(reason)}, nil
}

// parseRetryAfter reads the delta-seconds of a Retry-After (RFC 3261
// §20.33), comment and parameters ignored; zero when unreadable.
func parseRetryAfter(v string) time.Duration {
	end := 0
	for end < len(v) && end < 10 && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(v[:end])
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Second
}

// clean returns s, at most 80 bytes, with control characters and non-ASCII
// as '?', so that no network byte reaches a terminal raw.
func clean(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '?'
		}
	}
	return string(b)
}

// datagramReader reads one response per datagram.
type datagramReader struct {
	conn net.Conn
	max  int
	buf  []byte
}

func (r *datagramReader) next() (*response, error) {
	if r.buf == nil {
		r.buf = make([]byte, min(r.max+1, 65536))
	}
	n, err := r.conn.Read(r.buf)
	if err != nil {
		return nil, err
	}
	if n > r.max {
		return nil, garbage("a datagram over %d bytes", r.max)
	}
	head, _, ok := bytes.Cut(r.buf[:n], []byte("\r\n\r\n"))
	if !ok {
		head = r.buf[:n] // a body-less datagram may end without the empty line
	}
	return parseHead(head)
}

// streamReader reads responses framed by Content-Length (RFC 3261 §18.3)
// from a stream, at most max bytes in all.
type streamReader struct {
	lr  *io.LimitedReader
	br  *bufio.Reader
	max int
}

func newStreamReader(conn net.Conn, max int) *streamReader {
	lr := &io.LimitedReader{R: conn, N: int64(max)}
	return &streamReader{lr: lr, br: bufio.NewReaderSize(lr, 4096), max: max}
}

func (r *streamReader) next() (*response, error) {
	var head bytes.Buffer
	for {
		line, err := r.br.ReadSlice('\n')
		head.Write(line)
		if err != nil {
			return nil, r.streamErr(err, head.Len())
		}
		if head.Len() <= 2 && len(bytes.TrimSpace(line)) == 0 {
			head.Reset() // CRLF keep-alives before a message (RFC 5626 §3.5.1)
			continue
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	res, err := parseHead(head.Bytes())
	if err != nil {
		return nil, err
	}
	if _, err := r.br.Discard(res.contentLength); err != nil {
		return nil, r.streamErr(err, 1)
	}
	return res, nil
}

// streamErr says why a stream ended: over the cap, or cut off in the middle
// of a response (garbage), or the connection's own error.
func (r *streamReader) streamErr(err error, partial int) error {
	switch {
	case r.lr.N <= 0:
		return garbage("a response over %d bytes", r.max)
	case errors.Is(err, bufio.ErrBufferFull):
		return garbage("a header line over 4096 bytes")
	case partial > 0 && errors.Is(err, os.ErrDeadlineExceeded):
		return garbage("a response cut off by the deadline after %d bytes", partial)
	}
	return err
}
