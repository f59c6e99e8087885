//go:build unix

package kamailiotest

import "syscall"

const sigStop, sigCont = syscall.SIGSTOP, syscall.SIGCONT

func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}
