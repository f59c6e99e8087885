//go:build !unix

package main

import "syscall"

// Outside Unix there are no SIGUSR1 and SIGUSR2: these numbers are never
// delivered, and `siplocate registrar` answers no signal.
const sigListBindings, sigToggleFault = syscall.Signal(30), syscall.Signal(31)

// Nor does `siplocate register` answer one with its status.
const sigRegisterStatus = syscall.Signal(30)
