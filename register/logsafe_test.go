package register

import (
	"log/slog"
	"testing"

	"github.com/siplocate/siplocate/locate"
)

// hasControl reports whether s holds a byte or rune a terminal may act
// on: C0 and C1 controls, DEL, or invalid UTF-8.
func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xfffd {
			return true
		}
	}
	return false
}

// TestControlCharactersAreEscaped: an ESC (and a C1 CSI) in a reason
// phrase or a Contact reaches neither the events' errors nor the logs
// raw (issue 8 item 8): a hostile server must not drive the terminal of
// whoever reads them.
func TestControlCharactersAreEscaped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply string
	}{
		{name: "reason phrase", reply: "403 Go\x1b[2Jaway\u009b31m"},
		{name: "unparsable Contact", reply: "200 OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := goodHeaders
			if tc.name == "unparsable Contact" {
				headers = with("Contact: <sip:\x1b[31m@192.0.2.1\x00>;expires=\x1b]0;x\x07")
			}
			h := startHostile(t, locate.UDP, rawResponse(tc.reply, headers...))
			ev, logs := startLoggedAgent(t, []locate.Target{h.target}, hostileAccount())
			ev.wait(t, RoundFailed)
			for _, e := range ev.snapshot() {
				if e.Err != nil && hasControl(e.Err.Error()) {
					t.Errorf("%s event's error holds a control character: %q", e.Kind, e.Err.Error())
				}
			}
			for _, l := range logs.lines(slog.LevelDebug) {
				if hasControl(l) {
					t.Errorf("logged a control character: %q", l)
				}
			}
		})
	}
}
