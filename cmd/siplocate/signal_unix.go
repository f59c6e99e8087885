//go:build unix

package main

import "syscall"

// The signals `siplocate registrar` answers: list the bindings, toggle
// the fault.
const sigListBindings, sigToggleFault = syscall.SIGUSR1, syscall.SIGUSR2

// The signal `siplocate register` answers with its accounts' status.
const sigRegisterStatus = syscall.SIGUSR1
