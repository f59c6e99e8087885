package kamailiotest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/testenv"
)

// startTimeout bounds how long Start and Restart wait for Kamailio to
// answer.
const startTimeout = 10 * time.Second

// Instance is one running (or killed, or paused) Kamailio.
type Instance struct {
	cfg    Config
	t      testing.TB // the test that started it; methods fail it
	bin    string
	kamcmd string
	dir    string // kamailio.cfg, control socket, PID file, runtime dir

	mu      sync.Mutex
	proc    *testenv.Process
	pastLog strings.Builder // output of the processes before a Restart
}

// Start writes kamailio.cfg for cfg, starts Kamailio in the foreground in
// a process group of its own and returns once it answers an OPTIONS. The
// process is stopped by PID when t ends. A bad cfg or a Kamailio that does
// not come up fails t.
func Start(t testing.TB, cfg Config) *Instance {
	t.Helper()
	i := &Instance{
		cfg:    cfg,
		t:      t,
		bin:    testenv.LookPath(t, "kamailio"),
		kamcmd: testenv.LookPath(t, "kamcmd"),
		dir:    shortTempDir(t),
	}
	text, err := cfg.render(i.ctlSocket())
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, i.dir, "kamailio.cfg", text)
	if cfg.TLS != nil {
		testenv.WriteFile(t, i.dir, certFile, string(cfg.TLS.CertPEM))
		testenv.WriteFile(t, i.dir, keyFile, string(cfg.TLS.KeyPEM))
		testenv.WriteFile(t, i.dir, tlsConfigFile, tlsConfig(i.dir))
	}
	i.run(t)
	return i
}

// shortTempDir returns a new directory removed when t ends. Unlike
// t.TempDir its path stays short whatever the test's name, because a Unix
// socket's path must fit in 108 bytes.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kamailio")
	if err != nil {
		t.Fatalf("kamailio temp dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func (i *Instance) ctlSocket() string { return filepath.Join(i.dir, "ctl.sock") }

// args returns Kamailio's command line: foreground (-DD), log to stderr
// (-E), small shared memory and enough private memory to parse the users.
func (i *Instance) args() []string {
	return []string{
		"-DD", "-E",
		"-f", filepath.Join(i.dir, "kamailio.cfg"),
		"-w", i.dir, "-Y", i.dir,
		"-P", filepath.Join(i.dir, "kamailio.pid"),
		"-m", "64", "-M", strconv.Itoa(i.cfg.pkgMB()),
	}
}

// run starts the process and waits until it answers.
func (i *Instance) run(t testing.TB) {
	t.Helper()
	_ = os.Remove(i.ctlSocket())
	p := testenv.Start(t, i.bin, i.args()...)
	i.mu.Lock()
	i.proc = p
	i.mu.Unlock()
	testenv.WaitFor(t, p, startTimeout, i.ready)
}

// ready reports whether Kamailio answers on its control socket and over
// its first transport.
func (i *Instance) ready() error {
	if _, err := i.RPC("core.uptime"); err != nil {
		return err
	}
	if tr := i.cfg.transports()[0]; tr != "tls" {
		_, err := i.Options(tr, 200*time.Millisecond)
		return err
	}
	return testenv.TCPListening(i.TLSHostPort())()
}

// Config returns the configuration the instance runs with.
func (i *Instance) Config() Config { return i.cfg }

// HostPort returns the address Kamailio listens on, as host:port.
func (i *Instance) HostPort() string { return i.cfg.hostPort() }

// TLSHostPort returns the address of the TLS listener, as host:port.
func (i *Instance) TLSHostPort() string {
	return net.JoinHostPort(i.cfg.addr(), strconv.Itoa(i.cfg.tlsPort()))
}

// Dir returns the directory holding kamailio.cfg, the control socket and
// the PID file.
func (i *Instance) Dir() string { return i.dir }

// PID returns the PID of Kamailio's main process, which leads its
// process group.
func (i *Instance) PID() int { return i.process().Cmd.Process.Pid }

func (i *Instance) process() *testenv.Process {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.proc
}

// Log returns what Kamailio has logged since Start, across restarts.
func (i *Instance) Log() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.pastLog.String() + i.proc.Output()
}

// RPC runs one kamcmd command against this instance's control socket and
// returns its output, e.g. RPC("ul.dump") or RPC("stats.get_statistics",
// "usrloc:"). An error reply of Kamailio comes back as a *RPCError.
func (i *Instance) RPC(args ...string) (string, error) {
	cmd := exec.Command(i.kamcmd, append([]string{"-s", "unix:" + i.ctlSocket()}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("kamcmd %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	if e, ok := parseRPCError(string(out)); ok {
		return "", fmt.Errorf("kamcmd %s: %w", strings.Join(args, " "), e)
	}
	return string(out), nil
}

// Kill sends SIGKILL to Kamailio's process group and returns once none of
// its processes is left, so its ports are closed. It must be called from
// the test's goroutine.
func (i *Instance) Kill() {
	i.t.Helper()
	p := i.process()
	if err := signalGroup(p.Cmd.Process.Pid, syscall.SIGKILL); err != nil && !p.Exited() {
		i.t.Fatalf("kill kamailio: %v", err)
	}
	i.waitGroup(func(g []procState) error {
		if len(g) > 0 {
			return fmt.Errorf("%d processes left", len(g))
		}
		return nil
	})
	testenv.WaitFor(i.t, nil, 5*time.Second, func() error {
		if !p.Exited() {
			return errors.New("main process not reaped")
		}
		return nil
	})
}

// Stop ends Kamailio gracefully (SIGTERM, then SIGKILL after 3 s).
func (i *Instance) Stop() { i.process().Stop() }

// Pause sends SIGSTOP to every process of Kamailio's group and returns
// once all of them are stopped: Kamailio then receives nothing and
// answers nothing, like a host gone silent. It must be called from the
// test's goroutine.
func (i *Instance) Pause() {
	i.t.Helper()
	i.signalAndWait(sigStop, true)
}

// Resume sends SIGCONT to Kamailio's group and returns once none of its
// processes is stopped.
func (i *Instance) Resume() {
	i.t.Helper()
	i.signalAndWait(sigCont, false)
}

func (i *Instance) signalAndWait(sig syscall.Signal, stopped bool) {
	i.t.Helper()
	pgid := i.PID()
	if err := signalGroup(pgid, sig); err != nil {
		i.t.Fatalf("signal kamailio group %d with %v: %v", pgid, sig, err)
	}
	i.waitGroup(func(g []procState) error {
		if len(g) == 0 {
			return errors.New("no process left")
		}
		for _, p := range g {
			if (p.State == 'T') != stopped {
				return fmt.Errorf("process %d in state %c", p.PID, p.State)
			}
		}
		return nil
	})
}

// waitGroup polls the processes of the group until ok accepts them.
func (i *Instance) waitGroup(ok func([]procState) error) {
	i.t.Helper()
	pgid := i.PID()
	testenv.WaitFor(i.t, nil, 5*time.Second, func() error {
		g, err := groupProcesses(pgid)
		if err != nil {
			return err
		}
		return ok(g)
	})
}

// Restart starts Kamailio again, on the same address with the same
// kamailio.cfg, after Kill or Stop; it kills a running one first. The new
// process is stopped when t ends. Log keeps the earlier output.
func (i *Instance) Restart(t testing.TB) {
	t.Helper()
	if !i.process().Exited() {
		i.Kill()
	}
	i.mu.Lock()
	i.pastLog.WriteString(i.proc.Output())
	i.pastLog.WriteString("--- kamailiotest: restart ---\n")
	i.t = t
	i.mu.Unlock()
	i.run(t)
}

// SetReply makes the instance answer every request with status (a 503,
// say) and, when retryAfter is positive, a Retry-After of that many
// seconds; status 0 goes back to normal answers. It works on a running
// instance, through its htable "fault".
func (i *Instance) SetReply(status, retryAfter int) error {
	if status == 0 {
		_, err := i.RPC("htable.flush", "fault")
		return err
	}
	if retryAfter > 0 {
		if _, err := i.RPC("htable.seti", "fault", "retry", strconv.Itoa(retryAfter)); err != nil {
			return err
		}
	} else if _, err := i.RPC("htable.delete", "fault", "retry"); err != nil {
		return err
	}
	_, err := i.RPC("htable.seti", "fault", "status", strconv.Itoa(status))
	return err
}
