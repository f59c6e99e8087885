package registrar

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadUsersBadFile checks that LoadUsers refuses a bad file with a
// *UsersError naming the file, the line and the reason, and reads a good
// one written on Windows.
func TestLoadUsersBadFile(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		want       Users // nil: an error
		wantLine   int
		wantReason string
	}{
		{name: "CRLF and comments", text: "# lab\r\nalice:secret\r\n\r\nbob:hunter2\r\n", want: Users{"alice": "secret", "bob": "hunter2"}},
		{name: "no colon on line 3", text: "# lab\nalice:secret\nbob hunter2\n", wantLine: 3, wantReason: "want user:password, found no colon"},
		{name: "byte order mark", text: "\ufeffalice:secret\n", wantLine: 1, wantReason: `user name "\ufeffalice": character '\ufeff' not allowed in a SIP user part`},
		{name: "NUL in the user", text: "al\x00ice:secret\n", wantLine: 1, wantReason: `user name "al\x00ice": character '\x00' not allowed in a SIP user part`},
		{name: "duplicate after a blank line", text: "alice:a\n\nalice:b\n", wantLine: 3, wantReason: `user "alice" already given on line 1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.txt")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadUsers(path)
			if tc.want != nil {
				if err != nil || !maps.Equal(got, tc.want) {
					t.Errorf("got %v, %v; want %v", got, err, tc.want)
				}
				return
			}
			var ue *UsersError
			if !errors.As(err, &ue) || ue.File != path || ue.Line != tc.wantLine || ue.Reason != tc.wantReason {
				t.Errorf("got %v; want %s:%d: %s", err, path, tc.wantLine, tc.wantReason)
			}
		})
	}
}
