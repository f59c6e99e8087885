package register

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/siplocate/siplocate/locate"
)

func TestProbeCacheShares(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tg := locate.Target{Transport: locate.UDP, Addr: netip.MustParseAddr("192.0.2.1"), Port: 5060}
	var c probeCache
	sent := 0
	send := func() bool { sent++; return true }
	ctx := context.Background()

	if !c.get(ctx, tg, time.Second, clock, send) || sent != 1 {
		t.Fatalf("first probe: sent %d, want 1", sent)
	}
	now = now.Add(500 * time.Millisecond)
	if !c.get(ctx, tg, time.Second, clock, send) || sent != 1 {
		t.Errorf("fresh result not shared: sent %d, want 1", sent)
	}
	now = now.Add(time.Second)
	c.get(ctx, tg, time.Second, clock, send)
	if sent != 2 {
		t.Errorf("stale result reused: sent %d, want 2", sent)
	}

	// Callers that come while a probe is in flight wait for it and send none.
	release, entered := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	slow := func() bool {
		close(entered)
		<-release
		mu.Lock()
		sent++
		mu.Unlock()
		return false
	}
	now = now.Add(time.Hour)
	var wg sync.WaitGroup
	results := make([]bool, 5)
	wg.Go(func() { results[0] = c.get(ctx, tg, time.Second, clock, slow) })
	<-entered
	for i := 1; i < 5; i++ {
		wg.Go(func() { results[i] = c.get(ctx, tg, time.Second, clock, slow) })
	}
	close(release)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if sent != 3 {
		t.Errorf("5 concurrent callers sent %d probes, want 1", sent-2)
	}
	for i, r := range results {
		if r {
			t.Errorf("caller %d got alive from a failed probe", i)
		}
	}
}
