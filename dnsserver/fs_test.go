package dnsserver_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"

	"github.com/siplocate/siplocate/dnsserver"
)

// TestServeFromFS serves zone text with no file on disk (issue 9 item
// 12): Config.FS holds the zone and its $INCLUDE, a change in it is
// reloaded, and a bad change keeps the last good zone serving.
func TestServeFromFS(t *testing.T) {
	fsys := fstest.MapFS{
		"lab.zone": {Data: []byte(`$ORIGIN lab.test.
@          60 IN SOA ns hostmaster 1 3600 600 86400 60
@          60 IN NS  ns
ns         60 IN A   192.0.2.53
$INCLUDE sip.inc
`), ModTime: time.Unix(1, 0)},
		"sip.inc": {Data: []byte("_sip._udp 60 IN SRV 10 100 5060 sip1\nsip1 60 IN A 192.0.2.1\n"), ModTime: time.Unix(1, 0)},
	}
	s, err := dnsserver.New(dnsserver.Config{FS: fsys, Zones: []string{"lab.zone"}, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ask := func() string {
		t.Helper()
		r, err := dns.Exchange(new(dns.Msg).SetQuestion("sip1.lab.test.", dns.TypeA), s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Answer) != 1 {
			t.Fatalf("answer %v", r.Answer)
		}
		return r.Answer[0].(*dns.A).A.String()
	}
	if got := ask(); got != "192.0.2.1" {
		t.Fatalf("sip1 = %s, want 192.0.2.1", got)
	}

	fsys["sip.inc"] = &fstest.MapFile{Data: []byte("_sip._udp 60 IN SRV 10 100 5060 sip1\nsip1 60 IN A 192.0.2.2\n"), ModTime: time.Unix(2, 0)}
	if err := s.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	if got := ask(); got != "192.0.2.2" {
		t.Fatalf("after the change sip1 = %s, want 192.0.2.2", got)
	}

	fsys["sip.inc"] = &fstest.MapFile{Data: []byte("sip1 60 IN A not-an-address\n"), ModTime: time.Unix(3, 0)}
	if err := s.ReloadIfChanged(); err == nil {
		t.Fatal("a bad included file reloaded without an error")
	}
	if got := ask(); got != "192.0.2.2" {
		t.Fatalf("after a bad change sip1 = %s, want the last good 192.0.2.2", got)
	}
}
