package dnsclient

import (
	"context"
	"sync"
	"time"
)

// call is one resolution on the wire, shared by the lookups of one key
// that arrive while it runs.
type call struct {
	done    chan struct{} // closed once ans and err are set
	ans     *Answer
	err     error
	waiters int // lookups still waiting; guarded by flights.mu
	ctx     context.Context
	cancel  context.CancelFunc
}

// flights runs at most one resolution per key at a time. Unlike
// golang.org/x/sync/singleflight it cancels a resolution once every
// lookup waiting for it has given up, as the Go resolver does with
// ForgetUnshared (golang/go#8602, #20703), while one caller's
// cancellation never fails the others.
type flights struct {
	mu sync.Mutex
	m  map[cacheKey]*call
}

// join returns the running call for key, or a new one whose context
// keeps ctx's values but not its cancellation and ends after budget;
// leader reports whether the caller must run it (see finish).
func (f *flights) join(ctx context.Context, key cacheKey, budget time.Duration) (cl *call, leader bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cl := f.m[key]; cl != nil {
		cl.waiters++
		return cl, false
	}
	if f.m == nil {
		f.m = make(map[cacheKey]*call)
	}
	cl = &call{done: make(chan struct{}), waiters: 1}
	cl.ctx, cl.cancel = context.WithTimeout(context.WithoutCancel(ctx), budget)
	f.m[key] = cl
	return cl, true
}

// finish records the outcome of cl and wakes its waiters.
func (f *flights) finish(key cacheKey, cl *call, ans *Answer, err error) {
	f.mu.Lock()
	if f.m[key] == cl {
		delete(f.m, key)
	}
	f.mu.Unlock()
	cl.ans, cl.err = ans, err
	cl.cancel()
	close(cl.done)
}

// leave drops a waiter that gave up; the last one cancels the call and
// lets the next lookup of key start afresh.
func (f *flights) leave(key cacheKey, cl *call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cl.waiters--; cl.waiters > 0 {
		return
	}
	cl.cancel()
	if f.m[key] == cl {
		delete(f.m, key)
	}
}
