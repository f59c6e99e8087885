package register

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/siplocate/siplocate/failover"
	"github.com/siplocate/siplocate/locate"
)

// memStack is a SIP stack in memory, behind the agent's sipStack seam:
// each target is a memServer that answers a request with a function, or
// stays silent (the transaction waits out its timeout on the clock: in a
// testing/synctest bubble that costs no wall time), or refuses (a
// transport error at once). Nothing touches a socket.
type memStack struct {
	mu      sync.Mutex
	servers map[netip.AddrPort]*memServer
}

// memServer is one target of a memStack.
type memServer struct {
	target locate.Target

	mu      sync.Mutex
	handler func(*sip.Request) *sip.Response
	silent  bool
	refused bool
	reqs    []*sip.Request
}

// newMemStack returns a stack with a server answering with handler at
// each of n targets, 127.0.11.1 to 127.0.11.n port 5060 over UDP.
func newMemStack(n int, handler func(*sip.Request) *sip.Response) (*memStack, []*memServer) {
	m := &memStack{servers: map[netip.AddrPort]*memServer{}}
	var servers []*memServer
	for i := range n {
		t := locate.Target{Transport: locate.UDP, Addr: netip.AddrFrom4([4]byte{127, 0, 11, byte(i + 1)}), Port: 5060}
		srv := &memServer{target: t, handler: handler}
		m.servers[t.AddrPort()] = srv
		servers = append(servers, srv)
	}
	return m, servers
}

// targets returns the servers' targets, in order.
func targetsOf(servers []*memServer) []locate.Target {
	out := make([]locate.Target, len(servers))
	for i, s := range servers {
		out[i] = s.target
	}
	return out
}

// install makes a's sessions use m.
func (m *memStack) install(a *Agent) {
	a.sip = func(locate.Transport, string, netip.AddrPort) (sipStack, error) { return m, nil }
}

// localAddr is the Contact's address: the same for every target, no flow.
func (m *memStack) localAddr(context.Context, locate.Target) (netip.AddrPort, *flow, error) {
	return netip.MustParseAddrPort("127.0.11.100:5060"), nil, nil
}

// transact answers req at once from t's server (the response serialised
// and parsed again), or waits out timeout when
// it is silent, or fails at once when it refuses; a response that cannot
// be the answer (checkResponse) is dropped as the real stack drops it.
func (m *memStack) transact(ctx context.Context, t locate.Target, req *sip.Request, timeout time.Duration) (*sip.Response, failover.Outcome, error) {
	m.mu.Lock()
	srv := m.servers[t.AddrPort()]
	m.mu.Unlock()
	if srv == nil {
		return nil, failover.TransportFailed, fmt.Errorf("%s to %s: no such server", req.Method, t.AddrPort())
	}
	srv.mu.Lock()
	srv.reqs = append(srv.reqs, req)
	silent, refused, handler := srv.silent, srv.refused, srv.handler
	srv.mu.Unlock()
	switch {
	case refused:
		return nil, failover.TransportFailed, fmt.Errorf("%s to %s: ICMP port unreachable", req.Method, t.AddrPort())
	case silent:
		select {
		case <-time.After(timeout):
		case <-ctx.Done():
		}
		return nil, failover.TimedOut, fmt.Errorf("%s to %s: no answer: %w", req.Method, t.AddrPort(), context.DeadlineExceeded)
	}
	// Over the wire and back, as the real stack would read it: headers
	// made with sip.NewHeader become typed ones (Contact, Expires).
	msg, err := sip.ParseMessage([]byte(handler(req).String()))
	res, isRes := msg.(*sip.Response)
	if err != nil || !isRes {
		return nil, failover.TimedOut, fmt.Errorf("%s to %s: response does not parse: %v", req.Method, t.AddrPort(), err)
	}
	if err := checkResponse(req, res); err != nil {
		return nil, failover.TimedOut, err
	}
	return res, failover.Answered, nil
}

// set changes how the server answers.
func (s *memServer) set(silent, refused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent, s.refused = silent, refused
}

// requests returns the requests received so far.
func (s *memServer) requests() []*sip.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*sip.Request(nil), s.reqs...)
}

// registers returns how many REGISTERs the server received.
func (s *memServer) registers() int {
	n := 0
	for _, r := range s.requests() {
		if r.Method == sip.REGISTER {
			n++
		}
	}
	return n
}

// runInMemory runs an agent with cfg for accounts on m until stop, which
// cancels it and returns Run's error. The locator hands out the targets of
// servers. Call it inside a synctest bubble, and stop before the bubble
// ends.
func runInMemory(cfg Config, m *memStack, servers []*memServer, accounts ...Account) (*events, func() error) {
	ev := newEvents()
	cfg.Accounts, cfg.Locator, cfg.OnEvent = accounts, staticLocator{targetsOf(servers)}, ev.add
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 20*time.Second, time.Minute
	}
	a, err := New(cfg)
	if err != nil {
		panic(err)
	}
	m.install(a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return ev, func() error { cancel(); return <-done }
}

// kinds returns the events of kind so far.
func (e *events) kinds(kind Kind) []Event {
	var out []Event
	for _, ev := range e.snapshot() {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}
