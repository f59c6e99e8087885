package locate

import (
	"errors"
	"strings"
	"testing"
)

func TestApplyNAPTRRegexp(t *testing.T) {
	tests := []struct {
		name        string
		expr, in    string
		want        string
		wantMatched bool
		wantErr     string
	}{
		{name: "whole name", expr: `!^.*$!sip.example.net!`, in: "example.com", want: "sip.example.net", wantMatched: true},
		{name: "back-reference", expr: `!^(.*)$!_sip._udp.\1!`, in: "example.com", want: "_sip._udp.example.com", wantMatched: true},
		{name: "two groups", expr: `/^([a-z]+)\.(.*)$/_sips._tcp.\2.\1/`, in: "www.example.com", want: "_sips._tcp.example.com.www", wantMatched: true},
		{name: "sed-like: unmatched rest kept", expr: `!example!sample!`, in: "sip.example.com", want: "sip.sample.com", wantMatched: true},
		{name: "flag i", expr: `!^EXAMPLE\.COM$!x.example.net!i`, in: "example.com", want: "x.example.net", wantMatched: true},
		{name: "no flag i: case matters", expr: `!^EXAMPLE\.COM$!x.example.net!`, in: "example.com"},
		{name: "escaped delimiter", expr: `#^a\#b$#c\#d#`, in: "a#b", want: "c#d", wantMatched: true},
		{name: "escaped backslash in repl", expr: `!^(a)$!\\\1!`, in: "a", want: `\a`, wantMatched: true},
		{name: "letter delimiter", expr: `x^(.*)$x\1.netx`, in: "example", want: "example.net", wantMatched: true},
		{name: "unmatched group is empty", expr: `!^(x)?(.*)$!\1\2!`, in: "abc", want: "abc", wantMatched: true},
		{name: "leftmost longest (POSIX)", expr: `!(a|ab)!X!`, in: "abc", want: "Xc", wantMatched: true},
		{name: "no match", expr: `!^foo$!bar!`, in: "example.com"},
		{name: "too short", expr: `!!`, wantErr: "length"},
		{name: "backslash delimiter", expr: `\a\b\`, wantErr: "delimiter"},
		{name: "digit delimiter", expr: `1a1b1`, wantErr: "delimiter"},
		{name: "i delimiter", expr: `iaibi`, wantErr: "delimiter"},
		{name: "missing delimiter", expr: `!abc!def`, wantErr: "no delimiter after the replacement"},
		{name: "missing second delimiter", expr: `!abc`, wantErr: "no delimiter after the ERE"},
		{name: "bad flag", expr: `!a!b!g`, wantErr: "unknown flags"},
		{name: "bad ERE", expr: `!(a!b!`, wantErr: "missing closing )"},
		{name: "back-reference past the groups", expr: `!^(a)$!\2!`, wantErr: "back-reference"},
		{name: "oversized", expr: "!" + strings.Repeat("a", 300) + "!b!", wantErr: "length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, matched, err := applyNAPTRRegexp(tt.expr, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errBadRegexp) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || matched != tt.wantMatched {
				t.Errorf("applyNAPTRRegexp(%q, %q) = %q, %v, %v; want %q, %v", tt.expr, tt.in, got, matched, err, tt.want, tt.wantMatched)
			}
		})
	}
}

// FuzzNAPTRRegexp checks that a NAPTR regexp of any content never panics,
// that errors wrap errBadRegexp, and that a non-match returns nothing.
func FuzzNAPTRRegexp(f *testing.F) {
	f.Add(`!^(.*)$!_sip._udp.\1!`, "example.com")
	f.Add(`#a\#b#c#i`, "A#B")
	f.Add(`!(x)?!\1\1!`, "")
	f.Fuzz(func(t *testing.T, expr, in string) {
		out, matched, err := applyNAPTRRegexp(expr, in)
		if err != nil {
			if !errors.Is(err, errBadRegexp) {
				t.Fatalf("error %v does not wrap errBadRegexp", err)
			}
			return
		}
		if !matched && out != "" {
			t.Fatalf("no match but output %q", out)
		}
	})
}
