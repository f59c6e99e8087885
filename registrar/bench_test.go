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
// replaces the one binding.
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
			var extra []string
			if !tt.cfg.NoAuth {
				res := r.respond(parseRequest(b, reg{}.text()), testSource)
				auth := withAuth(b, reg{}, res, "secret").GetHeader("Authorization")
				extra = []string{"Authorization: " + auth.Value()}
			}
			p := sip.NewParser()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
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
