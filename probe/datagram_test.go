package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveDatagrams answers each datagram on host with what reply returns
// for the request's Call-ID (each element one datagram), until the test
// ends; it returns the port.
func serveDatagrams(t *testing.T, host string, reply func(callID string) [][]byte) uint16 {
	t.Helper()
	pc, err := net.ListenPacket("udp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = pc.Close(); wg.Wait() })
	wg.Go(func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			callID := ""
			for _, l := range strings.Split(string(buf[:n]), "\r\n") {
				if v, ok := strings.CutPrefix(l, "Call-ID: "); ok {
					callID = v
				}
			}
			for _, d := range reply(callID) {
				_, _ = pc.WriteTo(d, from)
			}
		}
	})
	return netip.MustParseAddrPort(pc.LocalAddr().String()).Port()
}

// TestProbeDatagramFaults: hostile answers over UDP give an outcome by
// the timeout: bytes that are not SIP, a datagram over the cap, a flood of
// responses to other requests, provisional responses only.
func TestProbeDatagramFaults(t *testing.T) {
	res := func(status, callID string) []byte {
		return []byte("SIP/2.0 " + status + "\r\nCall-ID: " + callID + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	}
	cases := []struct {
		name  string
		reply func(callID string) [][]byte
		want  Outcome
	}{
		{name: "not SIP", reply: func(string) [][]byte { return [][]byte{[]byte("\x00\x1b[2J\xff garbage")} }, want: Garbage},
		{name: "over the cap", reply: func(id string) [][]byte {
			return [][]byte{append(res("200 OK", id), strings.Repeat("x", 4000)...)}
		}, want: Garbage},
		{name: "other requests' responses", reply: func(string) [][]byte {
			var out [][]byte
			for i := range 20 {
				out = append(out, res("200 OK", fmt.Sprintf("not-yours-%d", i)))
			}
			return out
		}, want: Garbage},
		{name: "provisional only", reply: func(id string) [][]byte { return [][]byte{res("100 Trying", id), res("180 Ringing", id)} }, want: Silent},
		{name: "bad status", reply: func(id string) [][]byte { return [][]byte{res("2000 OK", id)} }, want: Garbage},
		{name: "answers after junk", reply: func(id string) [][]byte { return [][]byte{res("200 OK", "not-yours"), res("404 Not Found", id)} }, want: Answered},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := fmt.Sprintf("127.0.13.%d", 30+i)
			port := serveDatagrams(t, host, tc.reply)
			r := Probe(context.Background(), target("udp", host, port), "example.com", Options{Timeout: 300 * time.Millisecond, MaxResponse: 1024})
			if r.Outcome != tc.want {
				t.Errorf("got %s (%v), want %s", r.Outcome, r.Err, tc.want)
			}
			if strings.ContainsFunc(r.String(), func(c rune) bool { return c < 0x20 || c == 0x7f }) {
				t.Errorf("control characters in %q", r.String())
			}
		})
	}
}
