package kamailiotest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procState is one process as /proc/PID/stat shows it.
type procState struct {
	PID   int
	State byte // R, S, D, T (stopped), Z (zombie), ...
	PGID  int
}

// groupProcesses returns the live processes of process group pgid,
// leaving out zombies (they hold no sockets any more).
func groupProcesses(pgid int) ([]procState, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var g []procState
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue // exited meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read /proc/%d/stat: %w", pid, err)
		}
		p, err := parseStat(string(b))
		if err != nil {
			return nil, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		if p.PGID == pgid && p.State != 'Z' && p.State != 'X' {
			g = append(g, p)
		}
	}
	return g, nil
}

// parseStat parses the first fields of /proc/PID/stat (proc(5)):
// "pid (comm) state ppid pgrp ...". comm may hold spaces and parentheses,
// so the fields after it are found from its last ')'.
func parseStat(s string) (procState, error) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 1 || end < open {
		return procState{}, fmt.Errorf("no (comm) in %.40q", s)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return procState{}, fmt.Errorf("pid: %w", err)
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 3 {
		return procState{}, fmt.Errorf("short stat after comm: %.40q", s[end+1:])
	}
	if st := f[0]; len(st) != 1 || !('A' <= st[0] && st[0] <= 'Z' || 'a' <= st[0] && st[0] <= 'z') {
		return procState{}, fmt.Errorf("bad state %.10q", st)
	}
	pgid, err := strconv.Atoi(f[2])
	if err != nil {
		return procState{}, fmt.Errorf("pgrp: %w", err)
	}
	return procState{PID: pid, State: f[0][0], PGID: pgid}, nil
}
