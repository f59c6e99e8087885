package doctor

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
	"github.com/siplocate/siplocate/locatetest"
	"github.com/siplocate/siplocate/probe/probetest"
)

// TestHostileTargets: targets that answer garbage, an endless header or
// nothing at all give findings, and the check ends by the timeout.
func TestHostileTargets(t *testing.T) {
	garbage := probetest.ServeStream(t, "127.0.13.75:0", func(c net.Conn) {
		defer c.Close()
		_, _ = c.Write([]byte("\x00\x1b[2J\xff\xfe not SIP\r\n\r\n"))
	})
	endless := probetest.ServeStream(t, "127.0.13.76:0", func(c net.Conn) {
		defer c.Close()
		_, _ = c.Write([]byte("SIP/2.0 200 OK\r\n"))
		for range 10000 {
			if _, err := c.Write([]byte("X-Pad: " + strings.Repeat("x", 200) + "\r\n")); err != nil {
				return
			}
		}
	})
	silent := probetest.ServeStream(t, "127.0.13.77:0", func(c net.Conn) { defer c.Close(); _, _ = io.Copy(io.Discard, c) })
	r, err := locatetest.NewResolver(fmt.Sprintf(`$ORIGIN bad.example.
_sip._tcp 300 IN SRV 10 0 %d garbage
_sip._tcp 300 IN SRV 20 0 %d endless
_sip._tcp 300 IN SRV 30 0 %d silent
garbage   300 IN A 127.0.13.75
endless   300 IN A 127.0.13.76
silent    300 IN A 127.0.13.77
`, garbage, endless, silent))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), "bad.example", Config{Resolver: r, Transports: []locate.Transport{locate.TCP}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"garbage": "target-garbage", "endless": "target-garbage", "silent": "target-silent"}
	for _, f := range rep.Findings {
		t.Log(f)
		host, _, _ := strings.Cut(f.Subject, ".")
		if id, ok := want[host]; ok && id == f.ID {
			delete(want, host)
		}
		if strings.ContainsFunc(f.Message, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) {
			t.Errorf("control characters in %q", f.Message)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing findings for %v", want)
	}
}
