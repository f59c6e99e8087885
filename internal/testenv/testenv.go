// Package testenv is the test kit for interop tests against real peers
// (Knot, NSD, BIND, Kamailio, sipp, dig, dnsperf): it decides whether they
// run, finds their binaries and stops every process a test starts by PID.
//
// Interop tests run when SIPLOCATE_INTEROP=1, as scripts/test sets it after
// installing the peers from Debian's packages. Then a missing binary fails
// the test rather than skipping it, so the suite cannot pass without
// having talked to the real thing. Without the variable they are skipped, so
// a plain `go test ./...` stays fast and needs nothing installed.
package testenv

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Interop reports whether interop tests are asked for.
func Interop() bool { return os.Getenv("SIPLOCATE_INTEROP") == "1" }

// RequireInterop skips t unless interop tests are asked for.
func RequireInterop(t testing.TB) {
	t.Helper()
	if !Interop() {
		t.Skip("interop test: set SIPLOCATE_INTEROP=1 (scripts/test does)")
	}
}

// LookPath returns the path of a peer's binary, searching PATH and the
// sbin directories Debian installs daemons into. When interop tests are
// asked for, a missing binary fails t; otherwise t is skipped.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if Interop() {
		t.Fatalf("%s not found: scripts/install-deps installs it", name)
	}
	t.Skipf("%s not found", name)
	return ""
}

// Process is a peer started by a test.
type Process struct {
	Cmd    *exec.Cmd
	mu     sync.Mutex
	output bytes.Buffer
	done   chan struct{}
}

// Output returns what the process has written to stdout and stderr so far.
func (p *Process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

func (p *Process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.Write(b)
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop kills the process group by PID and waits for it, at most 5 s.
func (p *Process) Stop() {
	if p.Exited() {
		return
	}
	p.resume()
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(3 * time.Second):
	}
	_ = p.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
	}
}

// Start runs name with args in a process group of its own and stops it
// by PID when t ends. Its output is kept and printed if t fails.
func Start(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	p := &Process{Cmd: exec.Command(name, args...), done: make(chan struct{})}
	p.Cmd.Stdout = p
	p.Cmd.Stderr = p
	p.Cmd.SysProcAttr = ownGroup()
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p
}

// WaitFor calls ready every 20 ms until it returns nil, the process exits,
// or timeout passes; then it fails t with the last error.
func WaitFor(t testing.TB, p *Process, timeout time.Duration, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = ready(); err == nil {
			return
		}
		if p != nil && p.Exited() {
			t.Fatalf("%s exited before it was ready: %v\n%s", p.Cmd.Path, err, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("not ready after %v: %v", timeout, err)
}

// TCPListening returns a ready func for WaitFor that succeeds once addr
// accepts TCP connections.
func TCPListening(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// WriteFile writes content to name inside dir, failing t on error, and
// returns the path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := dir + "/" + name
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return p
}

// Expand replaces each {{key}} in s with vars[key]; handy for peers'
// configuration templates.
func Expand(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		panic(fmt.Sprintf("testenv.Expand: unexpanded %q", s[i:min(len(s), i+20)]))
	}
	return s
}
