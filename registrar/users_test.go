package registrar

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestParseUsers(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    Users
		wantErr string
	}{
		{name: "users", text: "# lab users\nalice:secret\n\n  bob:pa:ss word  \r\n", want: Users{"alice": "secret", "bob": "pa:ss word"}},
		{name: "empty file", text: "", want: Users{}},
		{name: "no colon", text: "alice:secret\nbob secret\n", wantErr: "users.txt:2: want user:password, found no colon"},
		{name: "empty user", text: ":secret", wantErr: "users.txt:1: empty user name"},
		{name: "empty password", text: "alice:", wantErr: `users.txt:1: empty password for user "alice"`},
		{name: "duplicate", text: "alice:a\n#\nalice:b\n", wantErr: `users.txt:3: user "alice" already given on line 1`},
		{name: "bad character", text: "al ice:x", wantErr: `users.txt:1: user name "al ice": character ' ' not allowed in a SIP user part`},
		{name: "at sign", text: "alice@example.org:x", wantErr: `character '@' not allowed`},
		{name: "line too long", text: "alice:" + strings.Repeat("x", maxUsersLine), wantErr: "users.txt:1: bufio.Scanner: token too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUsers(strings.NewReader(tt.text), "users.txt")
			if tt.wantErr != "" {
				var ue *UsersError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("got %v, want a *UsersError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestLoadUsersMissing(t *testing.T) {
	if _, err := LoadUsers(t.TempDir() + "/nope"); err == nil || !strings.Contains(err.Error(), "load users") {
		t.Errorf("got %v, want a load users error", err)
	}
}

// FuzzUsersFile checks that any input either parses into users that
// round-trip or fails with a line number inside the input.
func FuzzUsersFile(f *testing.F) {
	f.Add("alice:secret\n# c\nbob:x:y\n")
	f.Add("alice\n")
	f.Add(":\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		users, err := ParseUsers(strings.NewReader(text), "f")
		if err != nil {
			var ue *UsersError
			if !errors.As(err, &ue) || ue.Line < 1 || ue.Line > strings.Count(text, "\n")+2 {
				t.Fatalf("error %v: want a *UsersError with a line in the input", err)
			}
			return
		}
		var b strings.Builder
		for u, p := range users {
			if u == "" || p == "" || strings.ContainsAny(u, ": \t\r\n") {
				t.Fatalf("bad entry %q:%q", u, p)
			}
			b.WriteString(u + ":" + p + "\n")
		}
		again, err := ParseUsers(strings.NewReader(b.String()), "again")
		if err != nil || !maps.Equal(again, users) {
			t.Fatalf("round trip: %v, %v; want %v", again, err, users)
		}
	})
}
