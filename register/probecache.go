package register

import (
	"context"
	"sync"
	"time"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// probeCache shares probes between accounts: a probe to a target that is
// in flight, or that finished less than its freshness ago, is not sent
// again; the caller gets its result. So 10,000 accounts on one server
// probe it as often as one account does.
type probeCache struct {
	mu sync.Mutex
	m  map[string]*probeResult
}

// probeResult is one probe, in flight until done is closed.
type probeResult struct {
	done  chan struct{}
	alive bool
	at    time.Time // when it finished
}

// get returns whether t answered a probe: a fresh or in-flight probe's
// result, or that of send, run now.
func (c *probeCache) get(ctx context.Context, t locate.Target, fresh time.Duration, now func() time.Time, send func() bool) bool {
	key := failover.Key(t)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*probeResult{}
	}
	if r, ok := c.m[key]; ok {
		select {
		case <-r.done:
			if now().Sub(r.at) >= fresh {
				break // stale: probe again
			}
			c.mu.Unlock()
			return r.alive
		default:
			c.mu.Unlock()
			return waitProbe(ctx, r)
		}
	}
	r := &probeResult{done: make(chan struct{})}
	c.m[key] = r
	c.mu.Unlock()
	r.alive = send()
	r.at = now()
	close(r.done)
	return r.alive
}

// waitProbe waits for an in-flight probe.
func waitProbe(ctx context.Context, r *probeResult) bool {
	select {
	case <-r.done:
		return r.alive
	case <-ctx.Done():
		return false
	}
}
