//go:build unix

package testenv

import "syscall"

// Signal sends sig to the process and, when it leads a process group of its
// own, to the whole group (Kamailio forks children).
func (p *Process) Signal(sig syscall.Signal) error {
	pid := p.Cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err == nil {
		return nil
	}
	return syscall.Kill(pid, sig)
}

// resume continues a stopped process, so that it can take SIGTERM.
func (p *Process) resume() { _ = p.Signal(syscall.SIGCONT) }

// ownGroup starts a process in a process group of its own.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
