package kamailiotest

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Options sends one OPTIONS request to the instance over network ("udp" or
// "tcp") and returns the status code of the answer. It waits at most
// timeout and does not retransmit.
//
// The UDP socket is connected, so once Kamailio is killed the ICMP port
// unreachable comes back as an error wrapping syscall.ECONNREFUSED; a
// paused Kamailio gives an error wrapping os.ErrDeadlineExceeded.
func (i *Instance) Options(network string, timeout time.Duration) (int, error) {
	return options(network, i.HostPort(), timeout)
}

func options(network, hostPort string, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	c, err := net.DialTimeout(network, hostPort, timeout)
	if err != nil {
		return 0, fmt.Errorf("options %s:%s: %w", network, hostPort, err)
	}
	defer c.Close()
	if err := c.SetDeadline(deadline); err != nil {
		return 0, fmt.Errorf("options %s:%s: %w", network, hostPort, err)
	}
	if _, err := c.Write(optionsRequest(network, c.LocalAddr().String(), hostPort)); err != nil {
		return 0, fmt.Errorf("options %s:%s: send: %w", network, hostPort, err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("options %s:%s: read answer: %w", network, hostPort, err)
	}
	code, err := parseStatusLine(line)
	if err != nil {
		return 0, fmt.Errorf("options %s:%s: %w", network, hostPort, err)
	}
	return code, nil
}

// optionsRequest returns an OPTIONS request (RFC 3261 §11) from local to
// the server at hostPort. Each request gets a fresh branch and Call-ID.
func optionsRequest(network, local, hostPort string) []byte {
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	return []byte("OPTIONS sip:" + hostPort + " SIP/2.0\r\n" +
		"Via: SIP/2.0/" + strings.ToUpper(network) + " " + local + ";branch=z9hG4bK" + id + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: <sip:kamailiotest@" + local + ">;tag=" + id + "\r\n" +
		"To: <sip:" + hostPort + ">\r\n" +
		"Call-ID: " + id + "@kamailiotest\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n")
}

// parseStatusLine returns the code of a SIP status line (RFC 3261 §7.2),
// "SIP/2.0 200 OK".
func parseStatusLine(line string) (int, error) {
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "SIP/2.0" || len(f[1]) != 3 {
		return 0, fmt.Errorf("not a SIP status line: %.60q", line)
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return 0, fmt.Errorf("bad status code in %.60q", line)
	}
	return code, nil
}
