package locate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// maxRegexpLen bounds a NAPTR regexp field. On the wire it is a
// character-string of at most 255 bytes (RFC 3403 §4.1).
const maxRegexpLen = 255

// errBadRegexp is wrapped by every error of applyNAPTRRegexp.
var errBadRegexp = errors.New("bad NAPTR regexp")

// substExpr is a parsed RFC 3402 §3.2 substitution expression:
// delim-char ERE delim-char repl delim-char *flags.
type substExpr struct {
	re   *regexp.Regexp
	repl []replPart
}

// applyNAPTRRegexp applies the NAPTR regexp field expr to the string s
// (RFC 3402 §3.2, as RFC 3403 §4.1 carries it) and returns the rewritten
// string. Like sed, only the first match is replaced and the rest of s is
// kept; matched reports whether the ERE matched at all (RFC 3402 §3.2: a
// rule whose regexp does not match does not apply).
//
// The ERE is compiled with Go's regexp in leftmost-longest mode, which is
// POSIX ERE semantics; RE2 syntax is a superset of ERE's except that Go
// rejects a few escapes ERE would treat as literals. The only flag is "i"
// (case-insensitive match); \1 to \9 in repl are back-references.
func applyNAPTRRegexp(expr, s string) (out string, matched bool, err error) {
	x, err := parseSubstExpr(expr)
	if err != nil {
		return "", false, err
	}
	loc := x.re.FindStringSubmatchIndex(s)
	if loc == nil {
		return "", false, nil
	}
	var b strings.Builder
	b.WriteString(s[:loc[0]])
	expandRepl(&b, x.repl, s, loc)
	b.WriteString(s[loc[1]:])
	return b.String(), true, nil
}

// parseSubstExpr splits expr at its delimiter and compiles the ERE.
func parseSubstExpr(expr string) (substExpr, error) {
	var x substExpr
	if len(expr) < 3 || len(expr) > maxRegexpLen {
		return x, fmt.Errorf("%w %q: length %d out of 3..%d", errBadRegexp, expr, len(expr), maxRegexpLen)
	}
	delim := expr[0]
	if delim == '\\' || delim == 'i' || (delim >= '1' && delim <= '9') || delim == '0' {
		return x, fmt.Errorf("%w %q: delimiter %q not allowed", errBadRegexp, expr, delim)
	}
	ere, rest, ok := splitAtDelim(expr[1:], delim)
	if !ok {
		return x, fmt.Errorf("%w %q: no delimiter after the ERE", errBadRegexp, expr)
	}
	repl, flags, ok := splitAtDelim(rest, delim)
	if !ok {
		return x, fmt.Errorf("%w %q: no delimiter after the replacement", errBadRegexp, expr)
	}
	if flags != "" && flags != "i" {
		return x, fmt.Errorf("%w %q: unknown flags %q", errBadRegexp, expr, flags)
	}
	return compileSubst(expr, unescapeERE(ere, delim), parseRepl(repl), flags == "i")
}

// compileSubst compiles the ERE and checks that repl's back-references
// name groups the ERE has.
func compileSubst(expr, ere string, repl []replPart, fold bool) (substExpr, error) {
	if fold {
		ere = "(?i)" + ere
	}
	re, err := regexp.Compile(ere)
	if err != nil {
		return substExpr{}, fmt.Errorf("%w %q: %w", errBadRegexp, expr, err)
	}
	re.Longest()
	for _, p := range repl {
		if p.group > re.NumSubexp() {
			return substExpr{}, fmt.Errorf("%w %q: back-reference \\%d but %d groups", errBadRegexp, expr, p.group, re.NumSubexp())
		}
	}
	return substExpr{re: re, repl: repl}, nil
}

// splitAtDelim returns s up to the first delim not escaped by a backslash,
// and what follows it.
func splitAtDelim(s string, delim byte) (before, after string, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case delim:
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// unescapeERE turns each escaped delimiter into a literal one for Go's
// regexp, leaving other escapes to the regexp syntax.
func unescapeERE(ere string, delim byte) string {
	if !strings.Contains(ere, `\`+string(delim)) {
		return ere
	}
	var b strings.Builder
	for i := 0; i < len(ere); i++ {
		if ere[i] == '\\' && i+1 < len(ere) {
			if ere[i+1] == delim {
				b.WriteString(regexp.QuoteMeta(string(delim)))
			} else {
				b.WriteString(ere[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(ere[i])
	}
	return b.String()
}

// replPart is a piece of a parsed replacement: literal text, or a
// back-reference to group (1..9) when group > 0.
type replPart struct {
	lit   string
	group int
}

// parseRepl splits repl into literal text and back-references (RFC 3402
// §3.2: "\" followed by a digit 1-9 is a back-reference; any other
// escaped character, the delimiter and the backslash included, stands for
// itself).
func parseRepl(repl string) []replPart {
	var parts []replPart
	var lit strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 == len(repl) {
			lit.WriteByte(c)
			continue
		}
		i++
		if n := repl[i]; n >= '1' && n <= '9' {
			if lit.Len() > 0 {
				parts = append(parts, replPart{lit: lit.String()})
				lit.Reset()
			}
			parts = append(parts, replPart{group: int(n - '0')})
			continue
		}
		lit.WriteByte(repl[i])
	}
	if lit.Len() > 0 {
		parts = append(parts, replPart{lit: lit.String()})
	}
	return parts
}

// expandRepl writes the replacement with each back-reference replaced by
// its group of the match loc in s (an unmatched group expands to nothing).
func expandRepl(b *strings.Builder, repl []replPart, s string, loc []int) {
	for _, p := range repl {
		if p.group == 0 {
			b.WriteString(p.lit)
		} else if start, end := loc[2*p.group], loc[2*p.group+1]; start >= 0 {
			b.WriteString(s[start:end])
		}
	}
}
