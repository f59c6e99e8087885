package dnsserver

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// bigZone returns a zone of n A records under example.com.
func bigZone(n int) string {
	var b strings.Builder
	b.WriteString(zoneVersion("1", "192.0.2.1"))
	for i := range n {
		fmt.Fprintf(&b, "h%d A 10.%d.%d.%d\n", i, i>>16&255, i>>8&255, i&255)
	}
	return b.String()
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestReloadFreesOldZone loads a large zone, lets a UDP socket cache an
// answer for a missing name (which kept the whole old snapshot alive until
// that socket's next miss), reloads a tiny zone and checks that the live
// heap falls back near where it was before the large zone.
func TestReloadFreesOldZone(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a large zone")
	}
	n := 100_000
	if raceEnabled {
		n = 20_000
	}
	path := filepath.Join(t.TempDir(), "db.zone")
	if err := os.WriteFile(path, []byte(bigZone(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	base := liveHeap()
	s := newTestServer(t, path)
	u := &udpSocket{srv: s}
	miss := pack(t, query{name: "missing.example.com.", qtype: dns.TypeA}.msg())
	if r := unpack(t, u.handle(miss, make([]byte, 0, 512), make([]byte, 0, 260))); r.Rcode != dns.RcodeNameError {
		t.Fatalf("missing name: %v, want NXDOMAIN", r)
	}
	loaded := liveHeap()
	writeZone(t, "", path, zoneVersion("2", "192.0.2.1"))
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	after := liveHeap()
	grown := int64(loaded) - int64(base)
	kept := int64(after) - int64(base)
	t.Logf("%d records: live heap %d MB before, %d MB loaded, %d MB after reloading a tiny zone", n, base>>20, loaded>>20, after>>20)
	if kept > grown/10 {
		t.Errorf("after the reload %d of the %d bytes the large zone took are still live; want under a tenth", kept, grown)
	}
	runtime.KeepAlive(u)
	runtime.KeepAlive(s)
}
