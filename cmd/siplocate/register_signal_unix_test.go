//go:build unix

package main

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siplocate/siplocate/internal/testenv"
)

// TestRegisterSIGUSR1PrintsStatus: SIGUSR1, sent by PID to a running
// `siplocate register`, prints the status table to its stdout (issue 14
// item 3).
func TestRegisterSIGUSR1PrintsStatus(t *testing.T) {
	reg := startRegistrar(t)
	p := testenv.Start(t, buildCLI(t), "register", "--server", "example.com", "--user", "alice", "--password", "secret",
		"--dns-mode", "static", "--primary-ip", reg)
	testenv.WaitFor(t, p, 20*time.Second, func() error {
		if !strings.Contains(p.Output(), "registered with udp "+reg) {
			return errors.New("not registered yet")
		}
		return nil
	})
	if err := p.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, p, 10*time.Second, func() error {
		if !strings.Contains(p.Output(), "alice  sip:alice@example.com  registered  udp "+reg) {
			return errors.New("no status table yet")
		}
		return nil
	})
}
