package dnsserver

import (
	"errors"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address from.
func dialFrom(t testing.TB, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedAtOnce reports whether the server closed c without a byte.
func closedAtOnce(t testing.TB, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestTCPLimiterCaps accepts through a limiter of 3 connections, 2 per
// address: within the caps connections are handed on; over either one
// they are closed at once; a closed connection makes room.
func TestTCPLimiterCaps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.9.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newTCPLimiter(ln, 3, 2, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = l.Close() })
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	addr := ln.Addr().String()
	admit := func(from string) net.Conn {
		t.Helper()
		dialFrom(t, from, addr)
		select {
		case c := <-accepted:
			return c
		case <-time.After(5 * time.Second):
			t.Fatalf("connection from %s not handed on", from)
			return nil
		}
	}
	refuse := func(from string) {
		t.Helper()
		if !closedAtOnce(t, dialFrom(t, from, addr)) {
			t.Errorf("connection from %s over the cap left open", from)
		}
	}
	a1 := admit("127.0.9.2")
	admit("127.0.9.2")
	refuse("127.0.9.2") // per address
	admit("127.0.9.3")
	refuse("127.0.9.4") // total
	if got := l.refused.Load(); got != 2 {
		t.Errorf("refused %d, want 2", got)
	}
	_ = a1.Close()
	_ = a1.Close() // counted out once
	admit("127.0.9.4")
	if got := l.conns(); got != 3 {
		t.Errorf("%d connections counted, want 3", got)
	}
}

// failingListener fails its first n accepts with err, then closes blocked
// and waits until it is closed.
type failingListener struct {
	net.Listener
	n       int
	err     error
	blocked chan struct{}
	closed  chan struct{}
}

func (f *failingListener) Accept() (net.Conn, error) {
	if f.n > 0 {
		f.n--
		return nil, f.err
	}
	close(f.blocked)
	<-f.closed
	return nil, net.ErrClosed
}

func (f *failingListener) Close() error { close(f.closed); return nil }

// TestTCPLimiterBacksOff: failed accepts (no descriptors left) are
// retried after 5 ms doubling to 1 s, counted, and logged at the first
// and at the longest wait, never returned to miekg's loop (which retried
// at once: 1.3 cores).
func TestTCPLimiterBacksOff(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	inner := &failingListener{n: 10, err: emfile, blocked: make(chan struct{}), closed: make(chan struct{})}
	h := newRecordHandler()
	l := newTCPLimiter(inner, 10, 10, slog.New(h))
	var waits []time.Duration
	l.after = func(d time.Duration) <-chan time.Time {
		waits = append(waits, d)
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	done := make(chan error)
	go func() {
		_, err := l.Accept()
		done <- err
	}()
	select {
	case <-inner.blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not get past 10 failures")
	}
	_ = l.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if !equalDurations(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	if got := l.acceptErrors.Load(); got != 10 {
		t.Errorf("%d accept errors counted, want 10", got)
	}
	if got := len(h.find(slog.LevelWarn, "failures")); got != 3 {
		t.Errorf("%d warnings logged for 10 failures, want 3 (the first and each at 1 s)", got)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTCPStats: the server's Stats carry the limiter's counters.
func TestTCPStats(t *testing.T) {
	s := startServer(t, Config{MaxTCPConns: 1})
	held := dialFrom(t, "127.0.9.5", s.Addr().String())
	if askTCP(held, 5*time.Second) == 0 {
		t.Fatal("first connection not answered")
	}
	if !closedAtOnce(t, dialFrom(t, "127.0.9.6", s.Addr().String())) {
		t.Fatal("second connection over a cap of 1 left open")
	}
	st := s.Stats()
	if st.TCPConns != 1 || st.TCPRefused != 1 || st.TCPAcceptErrors != 0 {
		t.Errorf("TCP stats %d held, %d refused, %d accept errors; want 1, 1, 0", st.TCPConns, st.TCPRefused, st.TCPAcceptErrors)
	}
}
