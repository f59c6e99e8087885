//go:build !unix

package kamailiotest

import (
	"errors"
	"syscall"
)

// Kamailio runs on Unix only; these let the package build elsewhere.
const sigStop, sigCont = syscall.Signal(19), syscall.Signal(18)

func signalGroup(int, syscall.Signal) error {
	return errors.New("kamailiotest: process groups exist on Unix only")
}
