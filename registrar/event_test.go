package registrar

import (
	"strings"
	"testing"
	"time"
)

// TestEventStringEscapes checks that control characters from the network
// (an ESC in a Contact, a CR in a method) never reach the timeline raw.
func TestEventStringEscapes(t *testing.T) {
	e := Event{
		Time: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Kind: EventRegistered,
		Method: "REG\rISTER", AOR: "sip:al\x1bice@lab", Contact: "sip:a\x1b[2J@127.0.0.1:5062",
		Source: "udp:127.0.0.1:5062", Expires: 60 * time.Second, Reason: "bad\x07",
	}
	got := e.String()
	for _, c := range got {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			t.Fatalf("String() %q holds control character %U", got, c)
		}
	}
	want := `10:00:00.000 registered method="REG\rISTER" aor="sip:al\x1bice@lab" contact="sip:a\x1b[2J@127.0.0.1:5062" expires=60 from=udp:127.0.0.1:5062 reason="bad\a"`
	if got != want {
		t.Errorf("String()\n got %s\nwant %s", got, want)
	}
	if plain := (Event{Kind: EventAnswered, Method: "OPTIONS", Status: 200, Source: "udp:127.0.0.1:1"}).String(); !strings.HasSuffix(plain, " answered method=OPTIONS status=200 from=udp:127.0.0.1:1") {
		t.Errorf("plain event %q: want values unquoted", plain)
	}
}
