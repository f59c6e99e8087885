//go:build !unix

package testenv

import (
	"os"
	"syscall"
)

// Signal ends the process: outside Unix there are no process groups and
// no signals but a kill, which every signal here stands for.
func (p *Process) Signal(syscall.Signal) error { return p.Cmd.Process.Signal(os.Kill) }

// resume does nothing: outside Unix a process cannot be stopped.
func (p *Process) resume() {}

// ownGroup returns nil: outside Unix processes get no group of their own.
func ownGroup() *syscall.SysProcAttr { return nil }
