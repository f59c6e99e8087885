package registrar

import (
	"fmt"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// BenchmarkRegister measures the registrar's work for one REGISTER
// datagram without the sockets and sipgo's transaction layer: the read
// filter's parse and check, sipgo's parse, and respond (digest check,
// binding update, 200 OK). Each iteration has a new Call-ID, so it
// replaces the one binding, and answers the same challenge with the next
// nonce count (a repeated count is a replay); the client's digest is
// computed outside the timer.
func BenchmarkRegister(b *testing.B) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{name: "no-auth", cfg: Config{NoAuth: true}},
		{name: "digest-MD5", cfg: Config{Algorithms: []string{"MD5"}}},
		{name: "digest-SHA-256", cfg: Config{Algorithms: []string{"SHA-256"}}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			r, _, _ := newTestRegistrar(b, tt.cfg)
			r.cfg.OnEvent = nil
			var chal *sip.Response
			if !tt.cfg.NoAuth {
				chal = r.respond(parseRequest(b, reg{}.text()), testSource)
			}
			p := sip.NewParser()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var extra []string
				if chal != nil {
					b.StopTimer()
					extra = []string{authorization(b, chal, "alice", "secret", i+1)}
					b.StartTimer()
				}
				data := []byte(reg{callID: fmt.Sprint("c", i), expires: "600", extra: extra}.text())
				if err := checkDatagram(p, data); err != nil {
					b.Fatal(err)
				}
				msg, _ := p.ParseSIP(data)
				req := msg.(*sip.Request)
				req.SetSource("127.0.0.1:5062")
				if res := r.respond(req, testSource); res.StatusCode != 200 {
					b.Fatalf("status %d %s", res.StatusCode, res.Reason)
				}
			}
		})
	}
}
