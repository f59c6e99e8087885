// Package logsafe renders strings that came from the network for logs and
// timelines, so that a peer cannot write control characters (an ESC that
// starts a terminal escape sequence, a CR that overwrites a line) into
// them.
//
// Quote follows the rule of log/slog's TextHandler: a value that is all
// printable stays as it is; any other is written as a Go string literal
// (strconv.Quote), so `sip:a\x1b[2J@h` shows what was sent.
//
//	fmt.Printf("contact=%s\n", logsafe.Quote(contact))
package logsafe

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Quote returns s unchanged when it is valid UTF-8 made of printable
// characters (unicode.IsPrint) and spaces and does not begin with a double
// quote, and strconv.Quote(s) otherwise. The result never holds a control
// character, and one that begins with `"` is always a quoted literal.
func Quote(s string) string {
	if needsQuote(s) {
		return strconv.Quote(s)
	}
	return s
}

func needsQuote(s string) bool {
	if len(s) > 0 && s[0] == '"' || !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r != ' ' && !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}
