package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRegistrarBadUsersFile checks that `siplocate registrar --users` with
// a bad file exits 2 at start, naming the file, the line and the reason.
func TestRegistrarBadUsersFile(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr string // after "FILE:"
	}{
		{name: "no colon", text: "# lab\nalice:secret\nbob hunter2\n", wantErr: "3: want user:password, found no colon"},
		{name: "duplicate user", text: "alice:a\n\nalice:b\n", wantErr: `3: user "alice" already given on line 1`},
		{name: "empty password", text: "alice:secret\nbob:\n", wantErr: `2: empty password for user "bob"`},
		{name: "empty user", text: ":secret\n", wantErr: "1: empty user name"},
		{name: "user with @", text: "alice@example.org:secret\n", wantErr: `1: user name "alice@example.org": character '@' not allowed`},
		{name: "byte order mark", text: "\ufeffalice:secret\n", wantErr: `1: user name "\ufeffalice": character '\ufeff' not allowed`},
		{name: "line too long", text: "alice:secret\nbob:" + strings.Repeat("x", 5000) + "\n", wantErr: "2: bufio.Scanner: token too long"},
		{name: "binary", text: "alice:secret\n\x00\x01\x02\n", wantErr: "2: want user:password, found no colon"},
		{name: "no users at all", text: "# nobody yet\n\n", wantErr: " no users"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.txt")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr lockedBuffer
			code := run(ctx, []string{"registrar", "--users", path, "--listen", "udp:127.0.0.1:0"}, &stdout, &stderr)
			if want := path + ":" + tc.wantErr; code != exitBadUsage || !strings.Contains(stderr.String(), want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), exitBadUsage, want)
			}
			if stdout.String() != "" {
				t.Errorf("stdout %q: the registrar must not start", stdout.String())
			}
		})
	}
}
