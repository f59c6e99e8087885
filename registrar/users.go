package registrar

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Users maps SIP user names to their digest passwords.
type Users map[string]string

// UsersError reports a bad line of a users file.
type UsersError struct {
	File   string
	Line   int
	Reason string
}

func (e *UsersError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// maxUsersLine bounds one line of a users file.
const maxUsersLine = 4096

// LoadUsers reads the users file at path; see ParseUsers for its format.
func LoadUsers(path string) (Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	defer f.Close()
	return ParseUsers(f, path)
}

// ParseUsers reads a users file: one "user:password" per line, the
// password being everything after the first colon. Blank lines and lines
// starting with # are skipped; spaces around a line are trimmed. The first
// bad line stops parsing with a *UsersError naming file and line.
func ParseUsers(r io.Reader, file string) (Users, error) {
	users := Users{}
	first := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxUsersLine)
	n := 0
	for sc.Scan() {
		n++
		user, pass, skip, reason := parseUsersLine(sc.Text())
		if reason == "" && first[user] != 0 {
			reason = fmt.Sprintf("user %q already given on line %d", user, first[user])
		}
		if reason != "" {
			return nil, &UsersError{File: file, Line: n, Reason: reason}
		}
		if !skip {
			users[user], first[user] = pass, n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &UsersError{File: file, Line: n + 1, Reason: err.Error()}
	}
	return users, nil
}

// parseUsersLine splits one line; reason is non-empty when it is bad.
func parseUsersLine(line string) (user, pass string, skip bool, reason string) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", true, ""
	}
	user, pass, ok := strings.Cut(line, ":")
	switch {
	case !ok:
		return "", "", false, "want user:password, found no colon"
	case user == "":
		return "", "", false, "empty user name"
	case pass == "":
		return "", "", false, fmt.Sprintf("empty password for user %q", user)
	}
	for _, c := range user {
		if !isUserChar(c) {
			return "", "", false, fmt.Sprintf("user name %q: character %q not allowed in a SIP user part", user, c)
		}
	}
	return user, pass, false, ""
}

// isUserChar reports whether c may appear unescaped in the user part of a
// SIP URI (RFC 3261 §25.1: unreserved and user-unreserved).
func isUserChar(c rune) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.ContainsRune("-_.!~*'()&=+$,;?/", c)
}
