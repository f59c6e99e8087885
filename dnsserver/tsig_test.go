package dnsserver

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// signed packs m signed with key and secret, as a client would send it.
func signed(t testing.TB, m *dns.Msg, key, secret string) []byte {
	t.Helper()
	m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
	buf, _, err := dns.TsigGenerate(m, secret, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

// exchangeTCPRaw sends one length-prefixed message over TCP and returns
// the first response, unpacked without TSIG checks.
func exchangeTCPRaw(t testing.TB, addr string, raw []byte) *dns.Msg {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(raw)))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		t.Fatalf("read response length: %v", err)
	}
	buf := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	return unpack(t, buf)
}

// TestTSIGErrors: a request whose TSIG fails gets NOTAUTH with a TSIG
// record that says why, BADKEY for a key the server does not know and
// BADSIG for a wrong MAC, unsigned (RFC 8945 §5.2.1, §5.2.2, §5.3.2);
// over UDP, over TCP and for a zone transfer.
func TestTSIGErrors(t *testing.T) {
	s := startServer(t, Config{TSIG: []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}}})
	tests := []struct {
		name      string
		key       string
		secret    string
		wantError uint16
	}{
		{name: "wrong secret: BADSIG", key: testKey, secret: "d3Jvbmc=", wantError: dns.RcodeBadSig},
		{name: "unknown key: BADKEY", key: "other.example.com.", secret: testSecret, wantError: dns.RcodeBadKey},
	}
	for _, tc := range tests {
		for _, via := range []string{"udp", "tcp", "axfr"} {
			t.Run(tc.name+" "+via, func(t *testing.T) {
				m := query{name: "example.com.", qtype: dns.TypeSOA}.msg()
				if via == "axfr" {
					m.SetAxfr("example.com.")
				}
				raw := signed(t, m, tc.key, tc.secret)
				var r *dns.Msg
				if via == "udp" {
					r = exchangeUDP(t, s, raw)
				} else {
					r = exchangeTCPRaw(t, s.Addr().String(), raw)
				}
				checkTSIGError(t, r, m.Id, tc.key, tc.wantError)
			})
		}
	}
}

func checkTSIGError(t *testing.T, r *dns.Msg, id uint16, key string, want uint16) {
	t.Helper()
	if r == nil || r.Rcode != dns.RcodeNotAuth || r.Id != id {
		t.Fatalf("response %v, want NOTAUTH with the query's ID", r)
	}
	ts := r.IsTsig()
	if ts == nil {
		t.Fatalf("NOTAUTH without a TSIG record: %v", r)
	}
	if ts.Error != want || ts.MACSize != 0 || ts.Hdr.Name != key || ts.OrigId != id {
		t.Errorf("TSIG error %s, MAC size %d, key %s, original ID %d; want %s, unsigned, %s, %d",
			dns.RcodeToString[int(ts.Error)], ts.MACSize, ts.Hdr.Name, ts.OrigId, dns.RcodeToString[int(want)], key, id)
	}
}

// TestTSIGBadTime: a right MAC signed outside the fudge gets NOTAUTH and
// BADTIME, signed, with the server's time in Other Data (RFC 8945 §5.2.3).
func TestTSIGBadTime(t *testing.T) {
	s := newTestServer(t)
	s.cfg.TSIG = []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}}
	m := query{name: "example.com.", qtype: dns.TypeSOA}.msg()
	m.SetTsig(testKey, dns.HmacSHA256, 300, time.Now().Add(-time.Hour).Unix())
	raw, _, err := dns.TsigGenerate(m, testSecret, "", false)
	if err != nil {
		t.Fatal(err)
	}
	r := exchangeUDP(t, s, raw)
	if r == nil || r.Rcode != dns.RcodeNotAuth || r.IsTsig() == nil {
		t.Fatalf("response %v, want NOTAUTH with TSIG", r)
	}
	if ts := r.IsTsig(); ts.Error != dns.RcodeBadTime || ts.MACSize == 0 || ts.OtherLen != 6 {
		t.Errorf("TSIG error %d, MAC size %d, other length %d; want BADTIME, signed, 6", ts.Error, ts.MACSize, ts.OtherLen)
	}
}

// TestTSIGErrorsCounted: a failed TSIG is counted as the NOTAUTH it gets,
// over UDP and over TCP, not as the answer it would have had.
func TestTSIGErrorsCounted(t *testing.T) {
	s := startServer(t, Config{TSIG: []TSIGKey{{Name: testKey, Algorithm: dns.HmacSHA256, Secret: testSecret}}})
	raw := signed(t, query{name: "example.com.", qtype: dns.TypeSOA}.msg(), testKey, "d3Jvbmc=")
	c, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 512)); err != nil {
		t.Fatalf("UDP: %v", err)
	}
	exchangeTCPRaw(t, s.Addr().String(), raw)
	st := s.Stats()
	if st.Responses["NOTAUTH"] != 2 || st.Responses["NOERROR"] != 0 {
		t.Errorf("responses counted %v, want 2 NOTAUTH and no NOERROR", st.Responses)
	}
}
