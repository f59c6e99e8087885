//go:build go1.25

package register

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/siplocate/siplocate/failover"
)

// TestSharedHealth: an account consults the shared store (a request of
// sipsend found the primary dead: the account goes straight to the
// backup) and feeds it (its own transport error holds the primary for
// every other user of the store).
func TestSharedHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		h := &failover.Health{}
		h.Report(servers[0].target, failover.TransportFailed, 0)
		ev, stop := runInMemory(Config{Health: h}, mem, servers, alice())
		synctest.Wait()
		if regs := ev.kinds(Registered); len(regs) != 1 || regs[0].Target.AddrPort() != servers[1].target.AddrPort() {
			t.Errorf("registrations %v, want the backup's", regs)
		}
		if n := servers[0].registers(); n != 0 {
			t.Errorf("the held primary got %d REGISTERs, want none", n)
		}
		_ = stop()
	})
	synctest.Test(t, func(t *testing.T) {
		mem, servers := newMemStack(2, ok)
		servers[0].set(false, true)
		h := &failover.Health{}
		ev, stop := runInMemory(Config{Health: h}, mem, servers, alice())
		synctest.Wait()
		if regs := ev.kinds(Registered); len(regs) != 1 {
			t.Errorf("registrations %v, want one", regs)
		}
		if hd, held := h.Down(servers[0].target); !held || time.Until(hd.Until) != failover.DefaultDownFor {
			t.Errorf("primary's hold %+v %v, want %v from now", hd, held, failover.DefaultDownFor)
		}
		_ = stop()
	})
}
