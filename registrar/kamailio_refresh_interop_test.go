package registrar

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/testenv"
)

// TestInteropKamailioRefreshes has Kamailio's uac module register with a
// 6 s expiry and refresh it: every refresh must be answered 200, replay
// protection (issue 8 item 2) included, whether Kamailio answers a fresh
// challenge or reuses its nonce with the next nonce count.
func TestInteropKamailioRefreshes(t *testing.T) {
	testenv.RequireInterop(t)
	bin := testenv.LookPath(t, "kamailio")
	events := make(chan Event, 256)
	r, err := New(Config{
		Listen:     []Listen{{Network: "udp", Addr: "127.0.8.50:5060"}},
		Realm:      "lab",
		Users:      Users{"alice": "secret"},
		MinExpires: time.Second,
		OnEvent: func(e Event) {
			select {
			case events <- e:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	dir := t.TempDir()
	table := strings.NewReplacer("127.0.3.10", "127.0.8.51", "127.0.3.1", "127.0.8.50", ":60:0:0::", ":6:0:0::").Replace(uacregTable)
	testenv.WriteFile(t, dir, "uacreg", table)
	testenv.WriteFile(t, dir, "version", versionTable)
	conf := strings.ReplaceAll(testenv.Expand(kamailioUACConfig, map[string]string{"dir": dir}), "127.0.3.10", "127.0.8.51")
	cfg := testenv.WriteFile(t, dir, "kamailio.cfg", conf)
	p := testenv.Start(t, bin, "-DD", "-E", "-f", cfg, "-w", dir, "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"))
	var statuses []int
	registered := 0
	testenv.WaitFor(t, p, 30*time.Second, func() error {
		for len(events) > 0 {
			switch e := <-events; e.Kind {
			case EventAnswered:
				statuses = append(statuses, e.Status)
			case EventRegistered:
				registered++
			}
		}
		if registered < 3 {
			return fmt.Errorf("%d registrations (answers %v), want the first and two refreshes", registered, statuses)
		}
		return nil
	})
	for _, s := range statuses {
		if s != 200 && s != 401 {
			t.Errorf("answers %v: want only 401 and 200", statuses)
			break
		}
	}
	t.Logf("answers %v", statuses)
}
