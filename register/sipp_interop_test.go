package register

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/kamailiotest"
	"github.com/siplocate/siplocate/internal/testenv"
	"github.com/siplocate/siplocate/locate"
)

// sippLab is the lab with sipp playing scenario as a UAS on the primary's
// address (127.0.0.13:5060, UDP) and Kamailio as the backup.
func sippLab(t *testing.T, scenario string) *lab {
	t.Helper()
	l := startBackupLab(t)
	sipp := testenv.LookPath(t, "sipp")
	sf, err := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	p := testenv.Start(t, sipp, "-sf", sf, "-i", labPrimary, "-p", "5060", "-t", "u1", "-nostdin")
	testenv.WaitFor(t, p, 5*time.Second, udpBound(labPrimary, 5060))
	return l
}

// udpBound returns a check that a UDP socket is bound to ip:port, read from
// /proc/net/udp (a UDP server cannot be probed without answering it).
func udpBound(ip string, port int) func() error {
	a := netip.MustParseAddr(ip).As4()
	want := fmt.Sprintf("%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], port)
	return func() error {
		b, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), " "+want+" ") {
			return fmt.Errorf("nothing bound to udp %s:%d yet", ip, port)
		}
		return nil
	}
}

// TestInteropSipp503 has sipp answer 503 with Retry-After: 60 on the
// primary: the agent moves to the backup at once and does not try the
// primary again at the refresh.
func TestInteropSipp503(t *testing.T) {
	l := sippLab(t, "register-503.xml")
	ev := l.run(t, locate.UDP, 5*time.Second, 0)
	got := ev.wait(t, AttemptFailed)
	if got.Target.Addr.String() != labPrimary || got.Outcome != "unavailable" || got.Status != 503 {
		t.Fatalf("first attempt: %s %s %d, want the primary unavailable 503", targetName(got.Target), got.Outcome, got.Status)
	}
	if r := ev.wait(t, Registered); r.Target.Addr.String() != labBackup {
		t.Fatalf("registered with %s, want the backup", targetName(r.Target))
	}
	l.backup.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))
	ev.wait(t, Registered) // the refresh, 4.5 s later
	for _, e := range ev.snapshot() {
		if e.Kind == Registering && e.Target.Addr.String() == labPrimary && e.Time.After(got.Time) {
			t.Errorf("the primary was tried again within its Retry-After: %s", ev.summary())
		}
	}
}

// TestInteropSippSilent has sipp receive REGISTERs on the primary and never
// answer: the agent gives up after 3 attempts and registers with the backup.
func TestInteropSippSilent(t *testing.T) {
	l := sippLab(t, "register-silent.xml")
	ev := l.run(t, locate.UDP, 60*time.Second, 0) // attempt timeout 2 s
	for i := range 3 {
		got := ev.waitFor(t, AttemptFailed, 15*time.Second)
		if got.Target.Addr.String() != labPrimary || got.Outcome != "timeout" {
			t.Fatalf("attempt %d: %s %s, want a timeout at the primary", i+1, targetName(got.Target), got.Outcome)
		}
	}
	if r := ev.wait(t, Registered); r.Target.Addr.String() != labBackup {
		t.Fatalf("registered with %s, want the backup", targetName(r.Target))
	}
	l.backup.WaitLocations(t, 5*time.Second, kamailiotest.HasAOR(labAOR))
	if !strings.Contains(ev.summary(), "timeout") {
		t.Error("no timeout in the events")
	}
}
